package postgres_test

import (
	"testing"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/postgres"
	"github.com/velro-ai/velro/queue"
	"github.com/velro-ai/velro/sqlstore"
	"github.com/velro-ai/velro/storetest"
)

func TestConformance(t *testing.T) { storetest.Run(t, open) }

func BenchmarkSubmit(b *testing.B) { storetest.BenchmarkSubmit(b, open) }

// open is the suite's Opener for this engine.
func open(t testing.TB, timeout time.Duration) velro.Store {
	cfg, err := postgres.ParseURL(testenv.PostgresURL(t), 20)
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := queue.MigratePostgres(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	jobs, err := queue.NewPostgres(db, queue.Config{Runner: storetest.NopRunner{}, RescueAfter: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	s := sqlstore.New(db, timeout)
	s.UseJobs(jobs)
	return s
}
