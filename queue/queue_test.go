package queue_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/sqlstore"
	"github.com/velro-ai/velro/storetest"
)

// recorder is a Runner that notes when each job starts.
type recorder struct {
	mu      sync.Mutex
	started map[uuid.UUID]time.Time
	ch      chan uuid.UUID
}

func (r *recorder) Run(_ context.Context, id uuid.UUID, _, _ int) error {
	r.mu.Lock()
	r.started[id] = time.Now()
	r.mu.Unlock()
	r.ch <- id
	return nil
}

func (r *recorder) Timeout() time.Duration { return time.Minute }

// engines open each storage engine for the queue tests.
var engines = []struct {
	name string
	open func(testing.TB) sqlstore.Engine
}{
	{"sqlite", func(tb testing.TB) sqlstore.Engine { return testenv.SQLite(tb) }},
	{"postgres", func(tb testing.TB) sqlstore.Engine { return testenv.Postgres(tb) }},
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func start(tb testing.TB, open func(testing.TB) sqlstore.Engine) (*sqlstore.Store, *recorder, *velro.User) {
	r := &recorder{started: map[uuid.UUID]time.Time{}, ch: make(chan uuid.UUID, 1024)}
	db := open(tb)
	q := testenv.Queue(tb, db, r)
	s := sqlstore.New(db, 0)
	s.UseJobs(q)
	must(tb, q.Start(context.Background()))
	tb.Cleanup(func() { q.Stop(context.Background()) })
	u := storetest.NewUser(tb, s, "queue@example.com")
	_, _, err := s.GrantCredits(tb.Context(), u.ID, 1_000_000, "queue test")
	must(tb, err)
	return s, r, u
}

func submit(tb testing.TB, s *sqlstore.Store, u *velro.User) uuid.UUID {
	now := velro.Now()
	g := &velro.Generation{ID: velro.NewID(), UserID: u.ID, ModelID: "local/image", Prompt: "p", Parameters: map[string]any{},
		Status: velro.StatusPending, Cost: 1, MediaType: "image", OutputURLs: []string{}, CreatedAt: now, UpdatedAt: now}
	_, _, err := s.SubmitGeneration(tb.Context(), g, "", velro.NoRule)
	must(tb, err)
	return g.ID
}

// TestJobsRun: every committed generation's job runs once and is then
// completed in River's table. (River delivers at least once, so a job may
// run again after a crash — generate's TestWorkerRunsTwice covers the
// worker's side — but with no crash a repeat is a bug: a queue made without
// Config.Interrupted once snoozed every finished job and ran it again each
// second, which "repeats were seen under CI load" had hidden.)
func TestJobsRun(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			db := e.open(t)
			s, r, u := start(t, func(testing.TB) sqlstore.Engine { return db })
			want := map[uuid.UUID]bool{}
			for range 20 {
				want[submit(t, s, u)] = true
			}
			seen := map[uuid.UUID]bool{}
			for len(seen) < len(want) {
				select {
				case id := <-r.ch:
					if !want[id] {
						t.Fatalf("a job nobody submitted ran: %v", id)
					}
					if seen[id] {
						t.Fatalf("job %v ran again", id)
					}
					seen[id] = true
				case <-time.After(10 * time.Second):
					t.Fatalf("%d jobs never ran", len(want)-len(seen))
				}
			}
			// Completion is recorded in batches, shortly after the run.
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				var open int
				must(t, db.Reader().QueryRow(t.Context(), `SELECT count(*) FROM river_job WHERE kind = 'generate' AND state <> 'completed'`).Scan(&open))
				if open == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d jobs ran but are not completed in River's table", open)
				}
			}
		})
	}
}

// BenchmarkPickupLatency measures the time from the commit of a submit to
// its job starting on a worker, one submit at a time. Goal: p95 < 50 ms.
func BenchmarkPickupLatency(b *testing.B) {
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			s, r, u := start(b, e.open)
			lat := make([]time.Duration, 0, b.N)
			for b.Loop() {
				committed := time.Now()
				id := submit(b, s, u)
				<-r.ch
				r.mu.Lock()
				lat = append(lat, r.started[id].Sub(committed))
				r.mu.Unlock()
			}
			slices.Sort(lat)
			pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
			b.ReportMetric(pct(0.5), "p50-ms")
			b.ReportMetric(pct(0.95), "p95-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		})
	}
}
