package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// wantAccess checks the facts from the effective-access table and from the
// base tables against the expected access.
func wantAccess(t testing.TB, s velro.Store, user uuid.UUID, kind velro.Kind, id uuid.UUID, want velro.Access, what string) {
	t.Helper()
	for source, read := range map[string]func(context.Context, uuid.UUID, velro.Kind, uuid.UUID) (velro.AccessFacts, error){
		"table": s.AccessFacts, "base tables": s.BaseAccessFacts,
	} {
		f, err := read(ctx(t), user, kind, id)
		must(t, err)
		if got := f.Access(kind); got != want {
			t.Fatalf("%s (from the %s): access %v/%v, want %v/%v (facts %+v)", what, source, got.Role, got.Method, want.Role, want.Method, f)
		}
	}
}

// memberAccess is the written table of a team member's access to a
// project shared with the team (docs/guide.md, "Who may do what"): the lower
// of the team role and the share's level on team-only and public projects
// (the team's owner counts as admin), nothing through a share on private
// ones. Columns: share read, write, admin.
var memberAccess = map[velro.Visibility]map[velro.TeamRole][3]velro.Role{
	velro.VisibilityPrivate: {
		velro.TeamOwner:  {velro.RoleNone, velro.RoleNone, velro.RoleNone},
		velro.TeamAdmin:  {velro.RoleNone, velro.RoleNone, velro.RoleNone},
		velro.TeamEditor: {velro.RoleNone, velro.RoleNone, velro.RoleNone},
		velro.TeamViewer: {velro.RoleNone, velro.RoleNone, velro.RoleNone},
	},
	velro.VisibilityTeamOnly: {
		velro.TeamOwner:  {velro.RoleViewer, velro.RoleEditor, velro.RoleAdmin},
		velro.TeamAdmin:  {velro.RoleViewer, velro.RoleEditor, velro.RoleAdmin},
		velro.TeamEditor: {velro.RoleViewer, velro.RoleEditor, velro.RoleEditor},
		velro.TeamViewer: {velro.RoleViewer, velro.RoleViewer, velro.RoleViewer},
	},
	velro.VisibilityPublic: {
		velro.TeamOwner:  {velro.RoleViewer, velro.RoleEditor, velro.RoleAdmin},
		velro.TeamAdmin:  {velro.RoleViewer, velro.RoleEditor, velro.RoleAdmin},
		velro.TeamEditor: {velro.RoleViewer, velro.RoleEditor, velro.RoleEditor},
		velro.TeamViewer: {velro.RoleViewer, velro.RoleViewer, velro.RoleViewer},
	},
}

// teamAccess is the written table of a member's access to the team itself.
var teamAccess = map[velro.TeamRole]velro.Access{
	velro.TeamOwner:  {Role: velro.RoleOwner, Method: velro.MethodOwnership},
	velro.TeamAdmin:  {Role: velro.RoleAdmin, Method: velro.MethodTeam},
	velro.TeamEditor: {Role: velro.RoleEditor, Method: velro.MethodTeam},
	velro.TeamViewer: {Role: velro.RoleViewer, Method: velro.MethodTeam},
}

// testAccessRules checks every visibility x team role x share level
// against the written tables above, from both sources: the member's access
// to the project, to the owner's generation and upload in it, and to the
// team; the owner's to the project and the member's to their own
// generation.
func testAccessRules(t *testing.T, open Opener) {
	s := open(t, 0)
	owner, member := NewUser(t, s, "owner@example.com"), NewUser(t, s, "member@example.com")
	ownership := velro.Access{Role: velro.RoleOwner, Method: velro.MethodOwnership}
	levels := []velro.ShareLevel{velro.ShareRead, velro.ShareWrite, velro.ShareAdmin}
	for vis, byRole := range memberAccess {
		for role, row := range byRole {
			for i, level := range levels {
				what := fmt.Sprintf("%s project, team %s, share %s", vis, role, level)
				p := NewProject(t, s, owner.ID, vis)
				var team *velro.Team
				if role == velro.TeamOwner {
					team = NewTeam(t, s, member.ID, nil)
				} else {
					team = NewTeam(t, s, owner.ID, map[uuid.UUID]velro.TeamRole{member.ID: role})
				}
				_, err := s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: p.ID, TeamID: team.ID, AccessLevel: level}, velro.NoRule)
				must(t, err)
				want := velro.Access{}
				if row[i] != velro.RoleNone {
					want = velro.Access{Role: row[i], Method: velro.MethodTeam}
				}
				wantAccess(t, s, member.ID, velro.KindProject, p.ID, want, what)
				wantAccess(t, s, owner.ID, velro.KindProject, p.ID, ownership, what+" (owner)")

				g := NewGeneration(t, s, owner.ID, &p.ID)
				wantAccess(t, s, member.ID, velro.KindGeneration, g.ID, want, what+" (generation)")
				mine := NewGeneration(t, s, member.ID, &p.ID)
				wantAccess(t, s, member.ID, velro.KindGeneration, mine.ID, ownership, what+" (own generation)")
				up := NewUpload(t, s, owner.ID, &p.ID, 1)
				wantAccess(t, s, member.ID, velro.KindUpload, up.ID, want, what+" (upload)")
				wantAccess(t, s, member.ID, velro.KindTeam, team.ID, teamAccess[role], what+" (team)")
			}
		}
	}
	// A stranger: nothing but a public project's viewer.
	stranger := NewUser(t, s, "stranger@example.com")
	for vis, want := range map[velro.Visibility]velro.Access{
		velro.VisibilityPrivate:  {},
		velro.VisibilityTeamOnly: {},
		velro.VisibilityPublic:   {Role: velro.RoleViewer, Method: velro.MethodPublic},
	} {
		p := NewProject(t, s, owner.ID, vis)
		wantAccess(t, s, stranger.ID, velro.KindProject, p.ID, want, fmt.Sprintf("%s project, stranger", vis))
		g := NewGeneration(t, s, owner.ID, &p.ID)
		wantAccess(t, s, stranger.ID, velro.KindGeneration, g.ID, want, fmt.Sprintf("%s project's generation, stranger", vis))
	}
}

// testAccessTable checks that the effective-access table follows every
// kind of write, and takes the best of several teams.
func testAccessTable(t *testing.T, open Opener) {
	s := open(t, 0)
	owner, m := NewUser(t, s, "owner@example.com"), NewUser(t, s, "m@example.com")
	stranger := NewUser(t, s, "stranger@example.com")
	p := NewProject(t, s, owner.ID, velro.VisibilityTeamOnly)
	g := NewGeneration(t, s, owner.ID, &p.ID)
	loose := NewGeneration(t, s, owner.ID, nil)
	viewers := NewTeam(t, s, owner.ID, map[uuid.UUID]velro.TeamRole{m.ID: velro.TeamViewer})
	editors := NewTeam(t, s, owner.ID, map[uuid.UUID]velro.TeamRole{m.ID: velro.TeamAdmin})
	share := func(team *velro.Team, level velro.ShareLevel) {
		_, err := s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: p.ID, TeamID: team.ID, AccessLevel: level}, velro.NoRule)
		must(t, err)
	}
	none, viewer := velro.Access{}, velro.Access{Role: velro.RoleViewer, Method: velro.MethodTeam}
	editor := velro.Access{Role: velro.RoleEditor, Method: velro.MethodTeam}
	admin := velro.Access{Role: velro.RoleAdmin, Method: velro.MethodTeam}

	wantAccess(t, s, m.ID, velro.KindProject, p.ID, none, "before any share")
	share(viewers, velro.ShareAdmin)
	wantAccess(t, s, m.ID, velro.KindProject, p.ID, viewer, "viewer team")
	share(editors, velro.ShareWrite)
	wantAccess(t, s, m.ID, velro.KindProject, p.ID, editor, "best of two teams")
	wantAccess(t, s, m.ID, velro.KindGeneration, g.ID, editor, "generation in the project")
	wantAccess(t, s, m.ID, velro.KindGeneration, loose.ID, none, "generation outside projects")
	share(editors, velro.ShareAdmin)
	wantAccess(t, s, m.ID, velro.KindProject, p.ID, admin, "share raised")
	_, err := s.SetTeamMemberRole(ctx(t), editors.ID, m.ID, velro.TeamEditor, velro.NoRule)
	must(t, err)
	wantAccess(t, s, m.ID, velro.KindProject, p.ID, editor, "member downgraded")
	_, err = s.RemoveTeamMember(ctx(t), editors.ID, m.ID, velro.NoRule)
	must(t, err)
	wantAccess(t, s, m.ID, velro.KindProject, p.ID, viewer, "member removed from one team")
	wantAccess(t, s, m.ID, velro.KindTeam, editors.ID, none, "team after removal")

	pub := velro.VisibilityPublic
	_, _, err = s.UpdateProject(ctx(t), p.ID, velro.ProjectUpdate{Visibility: &pub}, velro.NoRule)
	must(t, err)
	wantAccess(t, s, stranger.ID, velro.KindProject, p.ID, velro.Access{Role: velro.RoleViewer, Method: velro.MethodPublic}, "public")
	wantAccess(t, s, m.ID, velro.KindProject, p.ID, viewer, "team viewer of a public project")
	priv := velro.VisibilityPrivate
	_, _, err = s.UpdateProject(ctx(t), p.ID, velro.ProjectUpdate{Visibility: &priv}, velro.NoRule)
	must(t, err)
	wantAccess(t, s, m.ID, velro.KindProject, p.ID, none, "private ignores shares")
	wantAccess(t, s, stranger.ID, velro.KindProject, p.ID, none, "private to strangers")
	team := velro.VisibilityTeamOnly
	_, _, err = s.UpdateProject(ctx(t), p.ID, velro.ProjectUpdate{Visibility: &team}, velro.NoRule)
	must(t, err)
	wantAccess(t, s, m.ID, velro.KindProject, p.ID, viewer, "team-only again")

	_, err = s.UnshareProject(ctx(t), p.ID, viewers.ID, velro.NoRule)
	must(t, err)
	wantAccess(t, s, m.ID, velro.KindProject, p.ID, none, "unshared")
	share(viewers, velro.ShareRead)
	_, err = s.DeleteTeam(ctx(t), viewers.ID, velro.NoRule)
	must(t, err)
	wantAccess(t, s, m.ID, velro.KindProject, p.ID, none, "team deleted")

	_, err = s.DeleteProject(ctx(t), p.ID, velro.NoRule)
	must(t, err)
	f, err := s.AccessFacts(ctx(t), m.ID, velro.KindProject, p.ID)
	must(t, err)
	if f.Exists {
		t.Fatal("a deleted project still exists for access checks")
	}
	wantAccess(t, s, owner.ID, velro.KindGeneration, g.ID, velro.Access{Role: velro.RoleOwner, Method: velro.MethodOwnership}, "orphaned generation")
	wantAccess(t, s, m.ID, velro.KindGeneration, g.ID, none, "orphaned generation, non-owner")
}
