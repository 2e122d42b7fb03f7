package sqlite_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/queue"
	"github.com/velro-ai/velro/sqlite"
	"github.com/velro-ai/velro/sqlstore"
	"github.com/velro-ai/velro/storetest"
)

func TestConformance(t *testing.T) { storetest.Run(t, open) }

func BenchmarkSubmit(b *testing.B) { storetest.BenchmarkSubmit(b, open) }

// open is the suite's Opener for this engine.
func open(t testing.TB, timeout time.Duration) velro.Store {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "velro.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := queue.MigrateSQLite(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	jobs, err := queue.NewSQLite(db, queue.Config{Runner: storetest.NopRunner{}, RescueAfter: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	s := sqlstore.New(db, timeout)
	s.UseJobs(jobs)
	return s
}
