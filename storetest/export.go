package storetest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

func testExport(t *testing.T, open Opener) {
	s := open(t, 0)
	u, other := NewUser(t, s, "export@example.com"), NewUser(t, s, "other@example.com")
	newSession(t, s, u.ID)
	p := NewProject(t, s, u.ID, velro.VisibilityTeamOnly)
	team := NewTeam(t, s, other.ID, map[uuid.UUID]velro.TeamRole{u.ID: velro.TeamEditor})
	_, err := s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: p.ID, TeamID: team.ID, AccessLevel: velro.ShareRead}, velro.NoRule)
	must(t, err)
	g := NewGeneration(t, s, u.ID, &p.ID)
	NewGeneration(t, s, other.ID, nil)
	up := NewUpload(t, s, u.ID, nil, 10)
	NewUpload(t, s, other.ID, nil, 10)
	inv := &velro.Invitation{ID: velro.NewID(), TeamID: team.ID, Email: "friend@example.com", Role: velro.TeamViewer, InvitedBy: &u.ID}
	must(t, errOf(s.CreateInvitation(ctx(t), inv, velro.NoRule)))

	x, err := s.ExportAccount(ctx(t), u.ID)
	must(t, err)
	if x.Profile.ID != u.ID || len(x.Transactions) != 1 || x.Transactions[0].Type != velro.CreditBonus ||
		len(x.Projects) != 1 || x.Projects[0].ID != p.ID || len(x.Shares) != 1 || x.Shares[0].TeamID != team.ID ||
		len(x.Teams) != 1 || len(x.Teams[0].Members) != 2 || len(x.Generations) != 1 || x.Generations[0].ID != g.ID ||
		len(x.Uploads) != 1 || x.Uploads[0].ID != up.ID || len(x.Invitations) != 1 || x.Invitations[0].ID != inv.ID || len(x.Sessions) != 1 || x.ExportedAt.IsZero() {
		t.Fatalf("export %+v", x)
	}
	_, err = s.ExportAccount(ctx(t), uuid.New())
	wantCode(t, err, velro.ENOTFOUND)
}
