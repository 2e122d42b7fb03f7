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

// testAccessRules checks every visibility x team role x share level
// against the rules of the root package, from both sources.
func testAccessRules(t *testing.T, open Opener) {
	s := open(t, 0)
	owner, member := NewUser(t, s, "owner@example.com"), NewUser(t, s, "member@example.com")
	for _, vis := range []velro.Visibility{velro.VisibilityPrivate, velro.VisibilityTeamOnly, velro.VisibilityPublic} {
		for _, role := range []velro.TeamRole{velro.TeamOwner, velro.TeamAdmin, velro.TeamEditor, velro.TeamViewer} {
			for _, level := range []velro.ShareLevel{velro.ShareRead, velro.ShareWrite, velro.ShareAdmin} {
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
				want := velro.ProjectAccess(false, vis, velro.SharedRole(role, level))
				wantAccess(t, s, member.ID, velro.KindProject, p.ID, want, what)
				wantAccess(t, s, owner.ID, velro.KindProject, p.ID, velro.Access{Role: velro.RoleOwner, Method: velro.MethodOwnership}, what+" (owner)")

				g := NewGeneration(t, s, owner.ID, &p.ID)
				wantAccess(t, s, member.ID, velro.KindGeneration, g.ID, velro.GenerationAccess(false, want), what+" (generation)")
				mine := NewGeneration(t, s, member.ID, &p.ID)
				wantAccess(t, s, member.ID, velro.KindGeneration, mine.ID, velro.Access{Role: velro.RoleOwner, Method: velro.MethodOwnership}, what+" (own generation)")
				up := NewUpload(t, s, owner.ID, &p.ID, 1)
				wantAccess(t, s, member.ID, velro.KindUpload, up.ID, velro.GenerationAccess(false, want), what+" (upload)")
				wantAccess(t, s, member.ID, velro.KindTeam, team.ID, velro.TeamAccess(role), what+" (team)")
			}
		}
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
