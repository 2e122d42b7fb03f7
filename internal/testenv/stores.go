package testenv

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro/postgres"
	"github.com/velro-ai/velro/queue"
	"github.com/velro-ai/velro/sqlite"
	"github.com/velro-ai/velro/sqlstore"
)

// SQLite opens a fresh SQLite database in a temporary directory, with
// Velro's and the job queue's migrations applied.
func SQLite(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "velro.db"))
	must(t, err)
	t.Cleanup(func() { db.Close() })
	_, err = db.Migrate(t.Context())
	must(t, err)
	_, err = queue.MigrateSQLite(t.Context(), db)
	must(t, err)
	return db
}

// Postgres opens a fresh database on the test PostgreSQL server (see
// PostgresURL), migrated like SQLite's.
func Postgres(t testing.TB) *postgres.DB {
	t.Helper()
	cfg, err := postgres.ParseURL(PostgresURL(t), postgres.Options{MaxConns: 20})
	must(t, err)
	db, err := postgres.Open(t.Context(), cfg)
	must(t, err)
	t.Cleanup(func() { db.Close() })
	_, err = db.Migrate(t.Context())
	must(t, err)
	_, err = queue.MigratePostgres(t.Context(), db)
	must(t, err)
	return db
}

// Queue returns a job queue on db (SQLite or PostgreSQL) that runs jobs with
// r; it is not started.
func Queue(t testing.TB, db sqlstore.Engine, r queue.Runner) queue.Queue {
	t.Helper()
	cfg := queue.Config{Runner: r, RescueAfter: time.Hour}
	var q queue.Queue
	var err error
	switch db := db.(type) {
	case *sqlite.DB:
		q, err = queue.NewSQLite(db, cfg)
	case *postgres.DB:
		q, err = queue.NewPostgres(db, cfg)
	default:
		t.Fatalf("no job queue for %T", db)
	}
	must(t, err)
	return q
}

// Store returns a store on db whose calls are bounded by timeout (0: the
// default) and whose jobs go to a queue nobody works.
func Store(t testing.TB, db sqlstore.Engine, timeout time.Duration) *sqlstore.Store {
	t.Helper()
	s := sqlstore.New(db, timeout)
	s.UseJobs(Queue(t, db, NopRunner{}))
	return s
}

// NopRunner is a job runner that does nothing: stores under test enqueue
// real jobs that nobody works.
type NopRunner struct{}

// Run does nothing.
func (NopRunner) Run(context.Context, uuid.UUID, int, int) error { return nil }

// Timeout is a minute.
func (NopRunner) Timeout() time.Duration { return time.Minute }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
