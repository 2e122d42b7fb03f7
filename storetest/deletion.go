package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// testDeleteUser: an account's deletion takes what it owns and leaves the
// effective-access table true for everyone else.
func testDeleteUser(t *testing.T, open Opener) {
	s := open(t, 0)
	gone, other, member := NewUser(t, s, "gone@example.com"), NewUser(t, s, "other@example.com"), NewUser(t, s, "member@example.com")
	sess := newSession(t, s, gone.ID)

	// gone owns a team that other's project is shared with: member loses
	// access through it.
	owned := NewTeam(t, s, gone.ID, map[uuid.UUID]velro.TeamRole{member.ID: velro.TeamEditor, other.ID: velro.TeamAdmin})
	othersProject := NewProject(t, s, other.ID, velro.VisibilityTeamOnly)
	_, err := s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: othersProject.ID, TeamID: owned.ID, AccessLevel: velro.ShareWrite}, velro.NoRule)
	must(t, err)
	// gone is a member of other's team, and owns a project shared with it
	// that holds a generation of other's.
	othersTeam := NewTeam(t, s, other.ID, map[uuid.UUID]velro.TeamRole{gone.ID: velro.TeamEditor, member.ID: velro.TeamViewer})
	ownProject := NewProject(t, s, gone.ID, velro.VisibilityTeamOnly)
	_, err = s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: ownProject.ID, TeamID: othersTeam.ID, AccessLevel: velro.ShareAdmin}, velro.NoRule)
	must(t, err)
	othersGeneration := NewGeneration(t, s, other.ID, &ownProject.ID)
	mine := []*velro.Generation{NewGeneration(t, s, gone.ID, nil), NewGeneration(t, s, gone.ID, &othersProject.ID)}
	myUpload := NewUpload(t, s, gone.ID, &othersProject.ID, 10)
	_, _ = mine, NewInvitation(t, s, owned.ID, "invitee@example.com", velro.TeamViewer)
	sent := &velro.Invitation{ID: velro.NewID(), TeamID: othersTeam.ID, Email: "friend@example.com", Role: velro.TeamViewer, InvitedBy: &gone.ID}
	must(t, errOf(s.CreateInvitation(ctx(t), sent, velro.NoRule)))
	wantAccess(t, s, member.ID, velro.KindProject, othersProject.ID, velro.Access{Role: velro.RoleEditor, Method: velro.MethodTeam}, "before")

	eff, err := s.DeleteUser(ctx(t), gone.ID, velro.NoRule)
	must(t, err)
	for _, id := range []uuid.UUID{othersProject.ID, ownProject.ID} {
		if !slices.Contains(eff.Access.Projects, id) {
			t.Errorf("change %+v lacks project %s", eff, id)
		}
	}
	for _, id := range []uuid.UUID{owned.ID, othersTeam.ID} {
		if !slices.Contains(eff.Access.Teams, id) {
			t.Errorf("change %+v lacks team %s", eff, id)
		}
	}
	if len(eff.Access.Generations) != 2 || !slices.Contains(eff.Access.Generations, mine[0].ID) || !slices.Contains(eff.Access.Generations, mine[1].ID) {
		t.Errorf("change names generations %v, want gone's two", eff.Access.Generations)
	}
	if len(eff.Access.Uploads) != 1 || eff.Access.Uploads[0] != myUpload.ID {
		t.Errorf("change names uploads %v, want gone's one", eff.Access.Uploads)
	}
	_, err = s.FindUpload(ctx(t), myUpload.ID)
	wantCode(t, err, velro.ENOTFOUND)

	_, err = s.FindUserByID(ctx(t), gone.ID)
	wantCode(t, err, velro.ENOTFOUND)
	if live(t, s, sess.ID) {
		t.Error("a session of a deleted account lives")
	}
	for _, g := range mine {
		_, err = s.FindGeneration(ctx(t), g.ID)
		wantCode(t, err, velro.ENOTFOUND)
	}
	_, err = s.FindProject(ctx(t), ownProject.ID)
	wantCode(t, err, velro.ENOTFOUND)
	_, err = s.FindTeam(ctx(t), owned.ID)
	wantCode(t, err, velro.ENOTFOUND)
	if g, err := s.FindGeneration(ctx(t), othersGeneration.ID); err != nil || g.ProjectID != nil {
		t.Errorf("other's generation in the deleted project: %+v, %v (it stays, outside any project)", g, err)
	}
	if tm, err := s.FindTeam(ctx(t), othersTeam.ID); err != nil || len(tm.Members) != 2 {
		t.Errorf("other's team after the deletion: %+v, %v", tm, err)
	}
	if inv, err := s.FindInvitation(ctx(t), sent.ID); err != nil || inv.InvitedBy != nil || inv.Status != velro.InvitationPending {
		t.Errorf("an invitation gone sent: %+v, %v (it stays, without its sender)", inv, err)
	}
	wantAccess(t, s, member.ID, velro.KindProject, othersProject.ID, velro.Access{}, "after the owner of the team it was shared with left")
	if sum, _ := s.LedgerSum(ctx(t), gone.ID); sum != 0 {
		t.Errorf("the ledger of a deleted account sums to %d", sum)
	}
	_, err = s.DeleteUser(ctx(t), gone.ID, velro.NoRule)
	wantCode(t, err, velro.ENOTFOUND)
	checkAccessTable(t, s, []uuid.UUID{other.ID, member.ID}, []uuid.UUID{othersProject.ID}, "after the deletion")
}

// checkAccessTable fails unless the effective-access table agrees with the
// base tables for every user and project given.
func checkAccessTable(t testing.TB, s velro.Store, users, projects []uuid.UUID, when string) {
	t.Helper()
	for _, p := range projects {
		for _, u := range users {
			table, err := s.AccessFacts(ctx(t), u, velro.KindProject, p)
			must(t, err)
			base, err := s.BaseAccessFacts(ctx(t), u, velro.KindProject, p)
			must(t, err)
			if table != base {
				t.Errorf("%s: user %s on project %s: table says %+v, base tables say %+v", when, u, p, table, base)
			}
		}
	}
}

// testDeleteRace: accounts are deleted while others share projects with
// their teams, add members to them and create teams at the same instant;
// afterwards the effective-access table is true, and no write failed but
// as a lost race explains.
func testDeleteRace(t *testing.T, open Opener) {
	s := open(t, 0)
	owner := NewUser(t, s, "owner@example.com")
	for round := range 6 {
		var leaving []*velro.User
		var teams []*velro.Team
		stayers := []uuid.UUID{owner.ID}
		for i := range 3 {
			u := NewUser(t, s, fmt.Sprintf("leaving-%d-%d@example.com", round, i))
			stay := NewUser(t, s, fmt.Sprintf("stay-%d-%d@example.com", round, i))
			leaving = append(leaving, u)
			stayers = append(stayers, stay.ID)
			teams = append(teams, NewTeam(t, s, u.ID, map[uuid.UUID]velro.TeamRole{stay.ID: velro.TeamEditor, owner.ID: velro.TeamAdmin}))
		}
		projects := []uuid.UUID{NewProject(t, s, owner.ID, velro.VisibilityTeamOnly).ID, NewProject(t, s, owner.ID, velro.VisibilityPublic).ID}
		rng := rand.New(rand.NewPCG(uint64(round), 7))
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, 64)
		for _, u := range leaving {
			wg.Go(func() {
				<-start
				if _, err := s.DeleteUser(ctx(t), u.ID, velro.NoRule); err != nil {
					errs <- fmt.Errorf("delete: %w", err)
				}
			})
		}
		for i := range 9 {
			team, project := teams[i%3], projects[rng.IntN(len(projects))]
			joiner := stayers[rng.IntN(len(stayers))]
			wg.Go(func() {
				<-start
				var err error
				var what string
				switch i % 3 {
				case 0:
					what = "share"
					_, err = s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: project, TeamID: team.ID, AccessLevel: velro.ShareWrite}, velro.NoRule)
				case 1:
					what = "add member"
					_, err = s.AddTeamMember(ctx(t), team.ID, joiner, velro.TeamViewer, velro.NoRule)
				default:
					what = "create team"
					_, err = s.CreateTeam(ctx(t), &velro.Team{ID: velro.NewID(), Name: "Late", OwnerID: team.OwnerID})
				}
				switch velro.ErrorCode(err) {
				case "", velro.ENOTFOUND, velro.ECONFLICT:
				default:
					errs <- fmt.Errorf("%s: %w", what, err)
				}
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("round %d: %v", round, err)
		}
		checkAccessTable(t, s, stayers, projects, fmt.Sprintf("round %d", round))
		for _, u := range leaving {
			if teams, _, err := s.ListTeams(ctx(t), u.ID, velro.Page{Limit: 10}); err != nil || len(teams) != 0 {
				t.Errorf("round %d: a deleted account is in %d teams (%v)", round, len(teams), err)
			}
		}
		if t.Failed() {
			return
		}
	}
}
