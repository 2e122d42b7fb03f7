package postgres_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/postgres"
)

// TestStatementTimeout: a statement its caller stopped waiting for does not
// go on running in the server. With a 100ms deadline for callers, the
// server cancels a query 1s later even when the client never does. The
// job queue's limit is River's (a minute); migrations run without one.
func TestStatementTimeout(t *testing.T) {
	cfg, err := postgres.ParseURL(testenv.PostgresURL(t), postgres.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	start := time.Now()
	_, err = db.Pool().Exec(context.Background(), `SELECT pg_sleep(10)`) // no client-side deadline
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "57014" { // query_canceled
		t.Fatalf("pg_sleep(10) returned %v after %v, want the server to cancel it", err, time.Since(start))
	}
	if !db.IsUnavailable(err) {
		t.Fatalf("a cancelled statement (%v) should read as unavailable (503)", err)
	}
	var limit string
	if err := db.QueuePool().QueryRow(t.Context(), `SHOW statement_timeout`).Scan(&limit); err != nil || limit != "70s" {
		t.Fatalf("the job queue's statement_timeout is %q (%v), want 70s (River's maintenance may take a minute)", limit, err)
	}
	err = db.Unbounded(t.Context(), func(pool *pgxpool.Pool) error {
		return pool.QueryRow(t.Context(), `SHOW statement_timeout`).Scan(&limit)
	})
	if err != nil || limit != "0" {
		t.Fatalf("migrations' statement_timeout is %q (%v), want 0 (none)", limit, err)
	}
}

// TestPoolSize: by default the pool keeps pgx's share for requests and
// adds one connection per worker; a size set explicitly is kept.
func TestPoolSize(t *testing.T) {
	const url = "postgres://velro@db.invalid/velro"
	cfg, err := postgres.ParseURL(url, postgres.Options{Workers: 6})
	if err != nil {
		t.Fatal(err)
	}
	if want := int32(max(4, runtime.NumCPU()) + 6); cfg.MaxConns != want {
		t.Fatalf("MaxConns %d, want %d", cfg.MaxConns, want)
	}
	if cfg, _ = postgres.ParseURL(url, postgres.Options{MaxConns: 7, Workers: 6}); cfg.MaxConns != 7 {
		t.Fatalf("MaxConns %d, want the 7 asked for", cfg.MaxConns)
	}
	// What the URL sets itself stays.
	cfg, err = postgres.ParseURL(url+"?pool_max_conns=30&statement_timeout=5000", postgres.Options{Workers: 6})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxConns != 30 || cfg.ConnConfig.RuntimeParams["statement_timeout"] != "5000" {
		t.Fatalf("MaxConns %d, statement_timeout %q: want the URL's 30 and 5000", cfg.MaxConns, cfg.ConnConfig.RuntimeParams["statement_timeout"])
	}
}
