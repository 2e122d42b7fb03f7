package guard_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/bus"
	"github.com/velro-ai/velro/guard"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/sqlstore"
	"github.com/velro-ai/velro/storetest"
)

// recorder is a bus that keeps every event published on it.
type recorder struct {
	bus.Local
	mu     sync.Mutex
	events []velro.Event
}

func newRecorder() *recorder {
	r := &recorder{}
	r.Subscribe(func(ev velro.Event) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.events = append(r.events, ev)
	})
	return r
}

// take returns the events published since the last call.
func (r *recorder) take() []velro.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	events := r.events
	r.events = nil
	return events
}

func guardOn(raw velro.Store) (*guard.Store, *recorder) {
	r := newRecorder()
	return guard.New(raw, authz.New(authz.Config{Store: raw, Bus: r}), r), r
}

func newGuard(t *testing.T) (*guard.Store, *recorder) {
	return guardOn(testenv.Store(t, testenv.SQLite(t), 0))
}

// TestEveryWritePublishesItsEffects: every write of velro.Writer, made
// through the guard, publishes exactly the effects its written case
// expects, as one event (none for a write that changes nothing cached).
// A write added later fails this test until it has a case.
func TestEveryWritePublishesItsEffects(t *testing.T) {
	storetest.CheckWriteCases(t)
	g, rec := newGuard(t)
	for name, c := range storetest.WriteCases {
		t.Run(name, func(t *testing.T) {
			w := storetest.NewWorld(t, g)
			rec.take()
			eff, err := c.Write(t, g, w, velro.NoRule)
			if err != nil {
				t.Fatal(err)
			}
			want := c.Want(w)
			if !storetest.SameEffects(eff, want) {
				t.Fatalf("effects %+v, want %+v", eff, want)
			}
			events := rec.take()
			if want.IsZero() {
				if len(events) != 0 {
					t.Fatalf("a write that changes nothing cached published %+v", events)
				}
				return
			}
			if len(events) != 1 || events[0].Flush || !storetest.SameEffects(events[0].Effects, want) {
				t.Fatalf("published %+v, want one event of %+v", events, want)
			}
		})
	}
}

// lostCommit is a database whose commits happen but, while lose is set,
// whose answer is lost (a connection dropped after COMMIT was sent).
type lostCommit struct {
	sqlstore.Engine
	lose *atomic.Bool
}

func losing(db sqlstore.Engine, lose bool) lostCommit {
	e := lostCommit{Engine: db, lose: new(atomic.Bool)}
	e.lose.Store(lose)
	return e
}

func (e lostCommit) InTx(ctx context.Context, fn func(tx sqlstore.Querier) error) error {
	if err := e.Engine.InTx(ctx, fn); err != nil || !e.lose.Load() {
		return err
	}
	return errors.New("connection reset by peer")
}

// TestFailedWritesPublishOnlyWhatMayHaveCommitted: a refused write, or one
// that failed before its commit was sent, changed nothing and publishes
// nothing (a stalled database must not also empty the caches that shield
// it); a write whose commit may have happened publishes its effects, its
// status changes unconfirmed.
func TestFailedWritesPublishOnlyWhatMayHaveCommitted(t *testing.T) {
	db := testenv.SQLite(t)
	g, rec := guardOn(testenv.Store(t, db, 0))
	w := storetest.NewWorld(t, g)
	rec.take()

	refused := func(context.Context, velro.Authorizer) error { return velro.Errorf(velro.EFORBIDDEN, "no") }
	if _, _, err := g.CancelGeneration(t.Context(), w.Generation.ID, refused); velro.ErrorCode(err) != velro.EFORBIDDEN {
		t.Fatalf("refused cancel: %v", err)
	}
	if events := rec.take(); len(events) != 0 {
		t.Fatalf("a refused write published %+v", events)
	}

	stalled, stalledRec := guardOn(testenv.Store(t, db, 1)) // every call times out at once
	if _, _, err := stalled.CancelGeneration(t.Context(), w.Generation.ID, velro.NoRule); velro.ErrorCode(err) != velro.EUNAVAILABLE ||
		errors.Is(err, velro.ErrMaybeCommitted) {
		t.Fatalf("cancel on a database that does not answer: %v", err)
	}
	if events := stalledRec.take(); len(events) != 0 {
		t.Fatalf("a write that timed out before its commit published %+v", events)
	}

	lost, lostRec := guardOn(sqlstore.New(losing(db, true), 0))
	_, eff, err := lost.CancelGeneration(t.Context(), w.Generation.ID, velro.NoRule)
	if !errors.Is(err, velro.ErrMaybeCommitted) {
		t.Fatalf("a write whose commit's answer was lost: %v", err)
	}
	cancelled := func(status velro.Status) velro.Effects {
		return velro.Effects{Users: []uuid.UUID{w.Owner.ID}, Generations: []uuid.UUID{w.Generation.ID},
			Statuses: []velro.StatusChange{{ID: w.Generation.ID, Status: status}}}
	}
	if !storetest.SameEffects(eff, cancelled(velro.StatusCancelled)) {
		t.Fatalf("returned effects %+v", eff)
	}
	if events := lostRec.take(); len(events) != 1 || !storetest.SameEffects(events[0].Effects, cancelled(velro.StatusUnknown)) {
		t.Fatalf("published %+v, want the effects with the status unconfirmed", events)
	}
}

// TestRowWritesRefreshCachedRows: the cached reads (an account, a
// generation) show each write made through the guard at once.
func TestRowWritesRefreshCachedRows(t *testing.T) {
	g, _ := newGuard(t)
	u := storetest.NewUser(t, g, "ann@example.com")
	balance := func() int64 {
		got, err := g.FindUserByID(t.Context(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.CreditsBalance
	}
	start := balance() // cached from here on
	if _, _, err := g.GrantCredits(t.Context(), u.ID, 7, "gift"); err != nil {
		t.Fatal(err)
	}
	if b := balance(); b != start+7 {
		t.Fatalf("balance after a grant %d, want %d", b, start+7)
	}
	name := "Ann"
	if _, _, err := g.UpdateUser(t.Context(), u.ID, velro.UserUpdate{FullName: &name}); err != nil {
		t.Fatal(err)
	}
	if got, _ := g.FindUserByID(t.Context(), u.ID); got.FullName != name {
		t.Fatalf("name after an update %q", got.FullName)
	}

	now := velro.Now()
	gen := &velro.Generation{ID: velro.NewID(), UserID: u.ID, ModelID: "local/image", Prompt: "p", Parameters: map[string]any{},
		Status: velro.StatusPending, Cost: 5, MediaType: velro.MediaImage, OutputURLs: []string{}, CreatedAt: now, UpdatedAt: now}
	if _, _, err := g.SubmitGeneration(t.Context(), gen, "", velro.NoRule); err != nil {
		t.Fatal(err)
	}
	if b := balance(); b != start+7-5 {
		t.Fatalf("balance after a charge %d", b)
	}
	status := func() *velro.Generation {
		got, err := g.FindGeneration(t.Context(), gen.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	status()
	steps := []struct {
		write func() error
		want  func(*velro.Generation) bool
	}{
		{func() error { _, _, err := g.StartGeneration(t.Context(), gen.ID); return err },
			func(g *velro.Generation) bool { return g.Status == velro.StatusProcessing }},
		{func() error { _, _, err := g.ToggleFavorite(t.Context(), gen.ID, velro.NoRule); return err },
			func(g *velro.Generation) bool { return g.IsFavorite }},
		{func() error { _, _, err := g.CancelGeneration(t.Context(), gen.ID, velro.NoRule); return err },
			func(g *velro.Generation) bool { return g.Status == velro.StatusCancelled }},
	}
	for i, step := range steps {
		if err := step.write(); err != nil {
			t.Fatal(err)
		}
		if got := status(); !step.want(got) {
			t.Fatalf("step %d: cached generation is stale: %+v", i, got)
		}
	}
	if b := balance(); b != start+7 {
		t.Fatalf("balance after the refund %d", b)
	}
}
