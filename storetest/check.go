package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// testChecks: every write made for a user runs its rule inside its
// transaction, with an Authorizer that sees the transaction's state, and
// writes nothing when the rule refuses; a write without a rule is refused.
func testChecks(t *testing.T, open Opener) {
	s := open(t, 0)
	owner, member := NewUser(t, s, "owner@example.com"), NewUser(t, s, "member@example.com")
	p := NewProject(t, s, owner.ID, velro.VisibilityTeamOnly)
	team := NewTeam(t, s, owner.ID, map[uuid.UUID]velro.TeamRole{member.ID: velro.TeamViewer})
	_, err := s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: p.ID, TeamID: team.ID, AccessLevel: velro.ShareRead}, velro.NoRule)
	must(t, err)
	g := NewGeneration(t, s, owner.ID, &p.ID)
	invited := &velro.Invitation{ID: velro.NewID(), TeamID: team.ID, Email: "invited@example.com", Role: velro.TeamViewer}
	must(t, errOf(s.CreateInvitation(ctx(t), invited, velro.NoRule)))

	refused := errors.New("refused by the rule")
	var seen velro.Access
	refuse := func(ctx context.Context, a velro.Authorizer) error {
		acc, err := a.Access(ctx, member.ID, velro.KindProject, p.ID)
		if err != nil {
			return err
		}
		seen = acc
		return refused
	}
	visibility := velro.VisibilityPublic
	writes := map[string]func(velro.Check) error{
		"UpdateProject": func(c velro.Check) error {
			_, _, err := s.UpdateProject(ctx(t), p.ID, velro.ProjectUpdate{Visibility: &visibility}, c)
			return err
		},
		"DeleteProject": func(c velro.Check) error { _, err := s.DeleteProject(ctx(t), p.ID, c); return err },
		"ShareProject": func(c velro.Check) error {
			_, err := s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: p.ID, TeamID: team.ID, AccessLevel: velro.ShareAdmin}, c)
			return err
		},
		"UnshareProject": func(c velro.Check) error { _, err := s.UnshareProject(ctx(t), p.ID, team.ID, c); return err },
		"UpdateTeam": func(c velro.Check) error {
			name := "Renamed"
			_, _, err := s.UpdateTeam(ctx(t), team.ID, velro.TeamUpdate{Name: &name}, c)
			return err
		},
		"DeleteTeam": func(c velro.Check) error { _, err := s.DeleteTeam(ctx(t), team.ID, c); return err },
		"AddTeamMember": func(c velro.Check) error {
			_, err := s.AddTeamMember(ctx(t), team.ID, NewUser(t, s, uuid.NewString()+"@example.com").ID, velro.TeamViewer, c)
			return err
		},
		"SetTeamMemberRole": func(c velro.Check) error {
			_, err := s.SetTeamMemberRole(ctx(t), team.ID, member.ID, velro.TeamAdmin, c)
			return err
		},
		"RemoveTeamMember": func(c velro.Check) error { _, err := s.RemoveTeamMember(ctx(t), team.ID, member.ID, c); return err },
		"DeleteUser":       func(c velro.Check) error { _, err := s.DeleteUser(ctx(t), member.ID, c); return err },
		"CreateInvitation": func(c velro.Check) error {
			return errOf(s.CreateInvitation(ctx(t), &velro.Invitation{ID: velro.NewID(), TeamID: team.ID, Email: "new@example.com", Role: velro.TeamViewer}, c))
		},
		"RevokeInvitation": func(c velro.Check) error { _, _, err := s.RevokeInvitation(ctx(t), team.ID, invited.ID, c); return err },
		"SubmitGeneration": func(c velro.Check) error {
			_, _, err := s.SubmitGeneration(ctx(t), pending(member.ID, &p.ID, 1), "", c)
			return err
		},
		"CancelGeneration": func(c velro.Check) error { _, _, err := s.CancelGeneration(ctx(t), g.ID, c); return err },
		"ToggleFavorite":   func(c velro.Check) error { _, _, err := s.ToggleFavorite(ctx(t), g.ID, c); return err },
		"DeleteGeneration": func(c velro.Check) error { _, err := s.DeleteGeneration(ctx(t), g.ID, c); return err },
	}
	for name, write := range writes {
		seen = velro.Access{}
		if err := write(refuse); !errors.Is(err, refused) {
			t.Fatalf("%s: a refusing rule returned %v", name, err)
		}
		if seen.Role != velro.RoleViewer {
			t.Fatalf("%s: the rule saw access %v, want the member's viewer role", name, seen)
		}
		if err := write(nil); err == nil {
			t.Fatalf("%s: a write without a rule went through", name)
		}
	}
	// Nothing was written.
	wantAccess(t, s, member.ID, velro.KindProject, p.ID, velro.Access{Role: velro.RoleViewer, Method: velro.MethodTeam}, "after refused writes")
	got, err := s.FindGeneration(ctx(t), g.ID)
	must(t, err)
	if got.Status != velro.StatusPending || got.IsFavorite {
		t.Fatalf("refused writes changed the generation: %+v", got)
	}
	if b := balance(t, s, member.ID); b != velro.WelcomeCredits {
		t.Fatalf("a refused submit charged: balance %d", b)
	}
	if tm, err := s.FindTeam(ctx(t), team.ID); err != nil || tm.Name != "Team" || len(tm.Members) != 2 {
		t.Fatalf("refused writes changed the team: %+v %v", tm, err)
	}
	if inv, err := s.FindInvitation(ctx(t), invited.ID); err != nil || inv.Status != velro.InvitationPending {
		t.Fatalf("a refused revoke changed the invitation: %+v %v", inv, err)
	}
	if list, _ := s.ListInvitations(ctx(t), team.ID); len(list) != 1 {
		t.Fatalf("a refused invitation was made: %d pending", len(list))
	}
}
