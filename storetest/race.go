package storetest

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// testAccessRace runs bursts of concurrent writes that widen and narrow
// access (shares, unshares, member added, removed and re-roled, visibility
// changes, team deletions) over a few projects, teams and users, and after
// each burst checks that the effective-access table equals a recomputation
// from the base tables for every user and project. Writes may only fail
// with the errors a lost race explains (not found, conflict).
func testAccessRace(t *testing.T, open Opener) {
	s := open(t, 0)
	owner := NewUser(t, s, "owner@example.com")
	users := []uuid.UUID{owner.ID}
	for i := range 5 {
		users = append(users, NewUser(t, s, fmt.Sprintf("u%d@example.com", i)).ID)
	}
	var projects []uuid.UUID
	for range 3 {
		projects = append(projects, NewProject(t, s, owner.ID, velro.VisibilityTeamOnly).ID)
	}
	w := &raceWorld{s: s, owner: owner.ID, users: users, projects: projects}
	for range 3 {
		w.teams = append(w.teams, NewTeam(t, s, owner.ID, nil).ID)
	}

	const bursts, writers, writesEach = 12, 8, 6
	for burst := range bursts {
		var wg sync.WaitGroup
		errs := make(chan error, writers*writesEach)
		for writer := range writers {
			rng := rand.New(rand.NewPCG(uint64(burst), uint64(writer)))
			wg.Go(func() {
				for range writesEach {
					if err := w.randomWrite(t, rng); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("burst %d: %v", burst, err)
		}
		w.checkTable(t, burst)
		if t.Failed() {
			return
		}
	}
}

// raceWorld is the shared state of the race: the ids writes pick from.
type raceWorld struct {
	s        velro.Store
	owner    uuid.UUID
	users    []uuid.UUID
	projects []uuid.UUID
	mu       sync.Mutex // guards teams: a deleted team is replaced by a new one
	teams    []uuid.UUID
}

func (w *raceWorld) pickTeam(rng *rand.Rand) (int, uuid.UUID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	i := rng.IntN(len(w.teams))
	return i, w.teams[i]
}

var (
	raceLevels       = []velro.ShareLevel{velro.ShareRead, velro.ShareWrite, velro.ShareAdmin}
	raceRoles        = []velro.TeamRole{velro.TeamViewer, velro.TeamEditor, velro.TeamAdmin}
	raceVisibilities = []velro.Visibility{velro.VisibilityPrivate, velro.VisibilityTeamOnly, velro.VisibilityPublic}
)

// randomWrite makes one write; it returns an error only for a failure no
// race explains.
func (w *raceWorld) randomWrite(t testing.TB, rng *rand.Rand) error {
	slot, team := w.pickTeam(rng)
	project := w.projects[rng.IntN(len(w.projects))]
	user := w.users[1+rng.IntN(len(w.users)-1)] // never the owner
	var err error
	var what string
	switch op := rng.IntN(20); {
	case op < 5:
		what = "share"
		_, err = w.s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: project, TeamID: team, AccessLevel: raceLevels[rng.IntN(3)]}, velro.NoRule)
	case op < 8:
		what = "unshare"
		_, err = w.s.UnshareProject(ctx(t), project, team, velro.NoRule)
	case op < 12:
		what = "add member"
		_, err = w.s.AddTeamMember(ctx(t), team, user, raceRoles[rng.IntN(3)], velro.NoRule)
	case op < 15:
		what = "remove member"
		_, err = w.s.RemoveTeamMember(ctx(t), team, user, velro.NoRule)
	case op < 17:
		what = "change role"
		_, err = w.s.SetTeamMemberRole(ctx(t), team, user, raceRoles[rng.IntN(3)], velro.NoRule)
	case op < 19:
		what = "change visibility"
		vis := raceVisibilities[rng.IntN(3)]
		_, _, err = w.s.UpdateProject(ctx(t), project, velro.ProjectUpdate{Visibility: &vis}, velro.NoRule)
	default:
		what = "delete team"
		if _, err = w.s.DeleteTeam(ctx(t), team, velro.NoRule); err == nil {
			fresh := &velro.Team{ID: velro.NewID(), Name: "Fresh", OwnerID: w.owner}
			_, err = w.s.CreateTeam(ctx(t), fresh)
			w.mu.Lock()
			w.teams[slot] = fresh.ID
			w.mu.Unlock()
		}
	}
	switch velro.ErrorCode(err) {
	case "", velro.ENOTFOUND, velro.ECONFLICT:
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// checkTable compares the effective-access table with the base tables for
// every user and project.
func (w *raceWorld) checkTable(t testing.TB, burst int) {
	t.Helper()
	for _, p := range w.projects {
		for _, u := range w.users {
			table, err := w.s.AccessFacts(ctx(t), u, velro.KindProject, p)
			must(t, err)
			base, err := w.s.BaseAccessFacts(ctx(t), u, velro.KindProject, p)
			must(t, err)
			if table != base {
				t.Errorf("after burst %d: user %s on project %s: table says %+v, base tables say %+v", burst, u, p, table, base)
			}
		}
	}
}
