package postgres_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/bus/bustest"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/postgres"
)

func TestBus(t *testing.T) {
	var dbB *postgres.DB
	bustest.Run(t, bustest.Transport{
		Open: func(t *testing.T) (velro.Bus, velro.Bus) {
			url := testenv.PostgresURL(t)
			dbB = openDB(t, url, 4)
			return newBus(t, openDB(t, url, 4)), newBus(t, dbB)
		},
		Drop: func(t *testing.T) {
			_, err := dbB.Pool().Exec(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
				WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`)
			if err != nil {
				t.Fatal(err)
			}
		},
	})
}

func newBus(t *testing.T, db *postgres.DB) *postgres.Bus {
	b, err := postgres.NewBus(t.Context(), db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// openDB opens a pool of maxConns connections on the database at url.
func openDB(t *testing.T, url string, maxConns int32) *postgres.DB {
	cfg, err := postgres.ParseURL(url, postgres.Options{MaxConns: maxConns})
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestPublishIsBounded: a publish that cannot get a connection (every
// pooled one busy, as when the database stalls) fails after its bound
// instead of holding its caller; the event is then owed as a flush.
func TestPublishIsBounded(t *testing.T) {
	db := openDB(t, testenv.PostgresURL(t), 2)
	b := newBus(t, db)
	for range 2 { // LISTEN holds its own connection, outside the pool
		held, err := db.Pool().Acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer held.Release()
	}
	done := make(chan error, 1)
	go func() { done <- b.Publish(context.Background(), velro.Event{Flush: true}) }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a publish without a connection succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a publish without a connection is still waiting after 10 s")
	}
}
