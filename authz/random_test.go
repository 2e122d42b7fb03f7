package authz_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/bus"
	"github.com/velro-ai/velro/storetest"
)

// model is the world of TestCachesChangeNothing, kept in plain Go: the
// expected answer comes from the rules of the root package applied to it.
type model struct {
	owner      map[uuid.UUID]uuid.UUID // project -> owner
	visibility map[uuid.UUID]velro.Visibility
	shares     map[[2]uuid.UUID]velro.ShareLevel // project, team -> level
	members    map[[2]uuid.UUID]velro.TeamRole   // team, user -> role
	genProject map[uuid.UUID]uuid.UUID           // generation -> project
	genOwner   map[uuid.UUID]uuid.UUID
}

func (m *model) project(user, p uuid.UUID) velro.Access {
	owner, ok := m.owner[p]
	if !ok {
		return velro.Access{}
	}
	best := velro.RoleNone
	for k, level := range m.shares {
		if k[0] == p {
			if role, ok := m.members[[2]uuid.UUID{k[1], user}]; ok {
				best = max(best, velro.SharedRole(role, level))
			}
		}
	}
	return velro.ProjectAccess(owner == user, m.visibility[p], best)
}

func (m *model) generation(user, g uuid.UUID) velro.Access {
	owner, ok := m.genOwner[g]
	if !ok {
		return velro.Access{}
	}
	project := velro.Access{}
	if p, ok := m.genProject[g]; ok {
		project = m.project(user, p)
	}
	return velro.GenerationAccess(owner == user, project)
}

// TestCachesChangeNothing runs a random sequence of writes and checks.
// Every check is answered three ways that must agree: the engine with its
// caches (L1, L3), the engine with caching off (base tables), and the
// model.
func TestCachesChangeNothing(t *testing.T) {
	s := openStore(t)
	b := new(bus.Local)
	cached, uncached := newInstance(s, b, nil, false), newInstance(s, b, nil, true)
	rng := rand.New(rand.NewPCG(1, 2))
	ctx := context.Background()

	var users []uuid.UUID
	for range 5 {
		users = append(users, storetest.NewUser(t, s, uuid.NewString()+"@example.com").ID)
	}
	m := &model{owner: map[uuid.UUID]uuid.UUID{}, visibility: map[uuid.UUID]velro.Visibility{}, shares: map[[2]uuid.UUID]velro.ShareLevel{},
		members: map[[2]uuid.UUID]velro.TeamRole{}, genProject: map[uuid.UUID]uuid.UUID{}, genOwner: map[uuid.UUID]uuid.UUID{}}
	var projects, teams, gens []uuid.UUID
	for i := range 3 {
		owner := users[i]
		p := storetest.NewProject(t, s, owner, velro.VisibilityTeamOnly)
		projects = append(projects, p.ID)
		m.owner[p.ID], m.visibility[p.ID] = owner, p.Visibility
		team := storetest.NewTeam(t, s, owner, nil)
		teams = append(teams, team.ID)
		m.members[[2]uuid.UUID{team.ID, owner}] = velro.TeamOwner
		for range 2 {
			g := storetest.NewGeneration(t, s, users[rng.IntN(len(users))], &p.ID)
			gens = append(gens, g.ID)
			m.genProject[g.ID], m.genOwner[g.ID] = p.ID, g.UserID
		}
	}
	pick := func(ids []uuid.UUID) uuid.UUID { return ids[rng.IntN(len(ids))] }
	levels := []velro.ShareLevel{velro.ShareRead, velro.ShareWrite, velro.ShareAdmin}
	roles := []velro.TeamRole{velro.TeamViewer, velro.TeamEditor, velro.TeamAdmin}
	visibilities := []velro.Visibility{velro.VisibilityPrivate, velro.VisibilityTeamOnly, velro.VisibilityPublic}

	checks := 0
	for step := range 600 {
		switch op := rng.IntN(10); {
		case op < 2: // share or change the level
			p, team, level := pick(projects), pick(teams), levels[rng.IntN(3)]
			_, err := cached.store.ShareProject(ctx, &velro.ProjectShare{ProjectID: p, TeamID: team, AccessLevel: level}, velro.NoRule)
			must(t, err)
			m.shares[[2]uuid.UUID{p, team}] = level
		case op < 3: // unshare
			p, team := pick(projects), pick(teams)
			_, err := cached.store.UnshareProject(ctx, p, team, velro.NoRule)
			if _, shared := m.shares[[2]uuid.UUID{p, team}]; shared {
				must(t, err)
				delete(m.shares, [2]uuid.UUID{p, team})
			}
		case op < 5: // add, change or remove a member
			team, user, role := pick(teams), pick(users), roles[rng.IntN(3)]
			k := [2]uuid.UUID{team, user}
			current, member := m.members[k]
			switch {
			case current == velro.TeamOwner:
			case !member:
				_, err := cached.store.AddTeamMember(ctx, team, user, role, velro.NoRule)
				must(t, err)
				m.members[k] = role
			case rng.IntN(2) == 0:
				_, err := cached.store.RemoveTeamMember(ctx, team, user, velro.NoRule)
				must(t, err)
				delete(m.members, k)
			default:
				_, err := cached.store.SetTeamMemberRole(ctx, team, user, role, velro.NoRule)
				must(t, err)
				m.members[k] = role
			}
		case op < 6: // change visibility
			p, vis := pick(projects), visibilities[rng.IntN(3)]
			_, _, err := cached.store.UpdateProject(ctx, p, velro.ProjectUpdate{Visibility: &vis}, velro.NoRule)
			must(t, err)
			m.visibility[p] = vis
		default: // checks
			for range 5 {
				user := pick(users)
				kind, id, want := velro.KindProject, pick(projects), velro.Access{}
				if rng.IntN(2) == 0 {
					kind, id = velro.KindGeneration, pick(gens)
					want = m.generation(user, id)
				} else {
					want = m.project(user, id)
				}
				on, off := check(t, cached, user, kind, id), check(t, uncached, user, kind, id)
				if off.Layer != authz.LayerMiss {
					t.Fatalf("uncached engine answered from %v", off.Layer)
				}
				if on.Access != want || off.Access != want {
					t.Fatalf("step %d: %v %v for user %v: cached %v/%v (%v), uncached %v/%v, model %v/%v", step, kind, id, user,
						on.Access.Role, on.Access.Method, on.Layer, off.Access.Role, off.Access.Method, want.Role, want.Method)
				}
				checks++
			}
		}
	}
	st := cached.engine.Stats()
	if st.L1.Hits == 0 || st.L3.Hits == 0 {
		t.Fatalf("the cached engine did not exercise its layers: %+v", st)
	}
	t.Logf("%d checks agreed; cached engine: %d L1 hits, %d L3 lookups", checks, st.L1.Hits, st.L3.Hits)
}
