package guard_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/bus"
	"github.com/velro-ai/velro/guard"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/redis"
	"github.com/velro-ai/velro/sqlstore"
	"github.com/velro-ai/velro/storetest"
)

// decision is a cached authorization decision of a World, with the scope
// the test knows it belongs to: a write that names the scope (or the
// resource itself) in its effects must drop it.
type decision struct {
	name      string
	user      uuid.UUID
	kind      velro.Kind
	id, scope uuid.UUID
}

func decisions(w *storetest.World) []decision {
	project, team := w.Project.ID, w.Team.ID
	return []decision{
		{"member's project", w.Member.ID, velro.KindProject, project, project},
		{"member's team", w.Member.ID, velro.KindTeam, team, team},
		{"member's view of the owner's generation", w.Member.ID, velro.KindGeneration, w.Generation.ID, project},
		{"member's own generation", w.Member.ID, velro.KindGeneration, w.MemberGeneration.ID, project},
		{"member's view of the upload", w.Member.ID, velro.KindUpload, w.Upload.ID, project},
		{"member's view of a generation outside projects", w.Member.ID, velro.KindGeneration, w.Started.ID, w.Started.ID},
		{"owner's project", w.Owner.ID, velro.KindProject, project, project},
		{"owner's team", w.Owner.ID, velro.KindTeam, team, team},
		{"owner's generation", w.Owner.ID, velro.KindGeneration, w.Generation.ID, project},
		{"owner's generation outside projects", w.Owner.ID, velro.KindGeneration, w.Started.ID, w.Started.ID},
		{"owner's upload", w.Owner.ID, velro.KindUpload, w.Upload.ID, project},
		{"invitee's view of the team", w.Invitee.ID, velro.KindTeam, team, team},
		{"invitee's view of the project", w.Invitee.ID, velro.KindProject, project, project},
	}
}

// outcome is how a write ends.
type outcome struct {
	name string
	// applies says whether the outcome can happen to the write.
	applies func(name string) bool
	// write makes it happen and checks the write's error.
	write func(t *testing.T, c storetest.WriteCase, g *guard.Store, w *storetest.World, lose *lostCommit)
	// drops is what the outcome must drop of the write's written effects.
	drops func(want velro.Effects) velro.Effects
}

var outcomes = []outcome{
	{"committed", func(string) bool { return true },
		func(t *testing.T, c storetest.WriteCase, g *guard.Store, w *storetest.World, _ *lostCommit) {
			if _, err := c.Write(t, g, w, velro.NoRule); err != nil {
				t.Fatal(err)
			}
		}, func(want velro.Effects) velro.Effects { return want }},
	// Its rule refuses it inside its transaction: nothing changed, nothing
	// is dropped (a refusal must not empty the caches).
	{"refused", takesCheck,
		func(t *testing.T, c storetest.WriteCase, g *guard.Store, w *storetest.World, _ *lostCommit) {
			refuse := func(velro.Authorizer) error { return velro.Errorf(velro.EFORBIDDEN, "refused") }
			if _, err := c.Write(t, g, w, func(_ context.Context, a velro.Authorizer) error { return refuse(a) }); velro.ErrorCode(err) != velro.EFORBIDDEN {
				t.Fatalf("a write its rule refuses: %v", err)
			}
		}, func(velro.Effects) velro.Effects { return velro.Effects{} }},
	// The answer to its commit was lost: it may have committed, so what it
	// would have changed is dropped all the same (and nothing else: a
	// database that stalls must not also empty the caches that shield it).
	// Single statements outside a transaction commit by themselves; none of
	// them changes anything cached.
	{"unknown", func(string) bool { return true },
		func(t *testing.T, c storetest.WriteCase, g *guard.Store, w *storetest.World, lose *lostCommit) {
			lose.lose.Store(true)
			_, err := c.Write(t, g, w, velro.NoRule)
			lose.lose.Store(false)
			if !errors.Is(err, velro.ErrMaybeCommitted) && (err != nil || !c.Want(w).IsZero()) {
				t.Fatalf("a write whose commit's answer was lost: %v", err)
			}
		}, func(want velro.Effects) velro.Effects { return want }},
}

// takesCheck reports whether the write of velro.Writer takes a rule.
func takesCheck(name string) bool {
	m, ok := reflect.TypeFor[velro.Writer]().MethodByName(name)
	if !ok {
		return false
	}
	for i := range m.Type.NumIn() {
		if m.Type.In(i) == reflect.TypeFor[velro.Check]() {
			return true
		}
	}
	return false
}

// TestWritesDropWhatTheyChanged: before each write of velro.Writer, every
// cache that a write may make stale is warm (the guard's account and
// generation rows, the authorization decisions in L1 and, with Redis, in
// L2); after it, exactly what the write's written effects name is gone,
// and the rest is still cached: when the write commits, when its rule
// refuses it (nothing goes), and when its outcome is unknown (all it names
// goes).
func TestWritesDropWhatTheyChanged(t *testing.T) {
	t.Run("rows and L1", func(t *testing.T) { testDrops(t, nil) })
	t.Run("rows, L1 and L2", func(t *testing.T) {
		opts, err := redis.ParseURL(testenv.RedisURL(t))
		must(t, err)
		client, err := redis.Open(t.Context(), opts, "velro-test:"+uuid.NewString()+":")
		must(t, err)
		t.Cleanup(func() { client.Close() })
		testDrops(t, func() authz.L2 { return redis.NewAuthzCache(client, time.Minute) })
	})
}

// testDrops runs every write case under every outcome. newL2 (nil: no L2)
// gives each engine its view of one shared L2; besides the guard's own, an
// engine of another instance fills L2 with every decision (a generation's
// entry takes a second fill), and a fresh one reads which are still there.
func testDrops(t *testing.T, newL2 func() authz.L2) {
	db := testenv.SQLite(t)
	lose := losing(db, false)
	raw := sqlstore.New(lose, 0)
	raw.UseJobs(testenv.Queue(t, db, testenv.NopRunner{}))
	rec := newRecorder()
	instance := func(b velro.Bus) *authz.Engine {
		cfg := authz.Config{Store: raw, Bus: b}
		if newL2 != nil {
			cfg.L2 = newL2()
		}
		return authz.New(cfg)
	}
	engine := instance(rec)
	g := guard.New(raw, engine, rec)
	// inL2 reports which decisions another instance finds in L2 now.
	inL2 := func(t *testing.T, ds []decision) []bool {
		other := instance(new(bus.Local))
		found := make([]bool, len(ds))
		for i, d := range ds {
			found[i] = layer(t, other, d) == authz.LayerL2
		}
		return found
	}
	for _, o := range outcomes {
		for name, c := range storetest.WriteCases {
			if !o.applies(name) {
				continue
			}
			t.Run(o.name+"/"+name, func(t *testing.T) {
				w := storetest.NewWorld(t, g)
				users := []uuid.UUID{w.Owner.ID, w.Member.ID, w.Invitee.ID}
				generations := []uuid.UUID{w.Generation.ID, w.MemberGeneration.ID, w.Started.ID}
				for _, id := range users {
					must(t, errOf(g.FindUserByID(t.Context(), id)))
				}
				for _, id := range generations {
					must(t, errOf(g.FindGeneration(t.Context(), id)))
				}
				ds := decisions(w)
				for _, d := range ds {
					engine.Check(t.Context(), d.user, d.kind, d.id)
					if got := layer(t, engine, d); got != authz.LayerL1 {
						t.Fatalf("%s: not warm (%v)", d.name, got)
					}
				}
				if newL2 != nil {
					inL2(t, ds) // a second fill: generations' entries
					for i, found := range inL2(t, ds) {
						if !found {
							t.Fatalf("%s: not in L2", ds[i].name)
						}
					}
				}

				o.write(t, c, g, w, &lose)

				drop := o.drops(c.Want(w))
				for _, id := range users {
					if want := !slices.Contains(drop.Users, id); g.CachedUser(id) != want {
						t.Errorf("account %s cached: %v, want %v (effects %+v)", id, !want, want, drop)
					}
				}
				for _, id := range generations {
					if want := !slices.Contains(drop.Generations, id); g.CachedGeneration(id) != want {
						t.Errorf("generation %s cached: %v, want %v (effects %+v)", id, !want, want, drop)
					}
				}
				scopes := drop.Access.Scopes()
				dropped := func(d decision) bool { return slices.Contains(scopes, d.scope) || slices.Contains(scopes, d.id) }
				if newL2 != nil { // before the guard's engine refills L2
					for i, found := range inL2(t, ds) {
						if found == dropped(ds[i]) {
							t.Errorf("%s: in L2 after the write: %v; dropped: %v (effects %+v)", ds[i].name, found, dropped(ds[i]), drop)
						}
					}
				}
				for _, d := range ds {
					if got := layer(t, engine, d); (got == authz.LayerL1) == dropped(d) {
						t.Errorf("%s: answered from %v after the write; dropped: %v (effects %+v)", d.name, got, dropped(d), drop)
					}
				}
			})
		}
	}
}

// layer is the cache layer that answers the decision now.
func layer(t *testing.T, e *authz.Engine, d decision) authz.Layer {
	t.Helper()
	got, err := e.Check(t.Context(), d.user, d.kind, d.id)
	if err != nil {
		t.Fatal(err)
	}
	return got.Layer
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func errOf[V any](_ V, err error) error { return err }
