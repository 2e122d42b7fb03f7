package postgres_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/postgres"
)

// openDB opens another pool on the database at url.
func openDB(t *testing.T, url string) *postgres.DB {
	cfg, err := postgres.ParseURL(url, 4)
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

func TestBus(t *testing.T) {
	url := testenv.PostgresURL(t)
	log := slog.New(slog.DiscardHandler)
	a, err := postgres.NewBus(t.Context(), openDB(t, url), log)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	dbB := openDB(t, url)
	b, err := postgres.NewBus(t.Context(), dbB, log)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	gotA, gotB := make(chan velro.Event, 8), make(chan velro.Event, 8)
	a.Subscribe(func(ev velro.Event) { gotA <- ev })
	b.Subscribe(func(ev velro.Event) { gotB <- ev })

	id := uuid.New()
	if err := a.Publish(t.Context(), velro.Event{Projects: []uuid.UUID{id}}); err != nil {
		t.Fatal(err)
	}
	if ev := <-gotA; len(ev.Projects) != 1 || ev.Projects[0] != id {
		t.Fatalf("local event %+v", ev)
	}
	select {
	case ev := <-gotB:
		if len(ev.Projects) != 1 || ev.Projects[0] != id {
			t.Fatalf("remote event %+v", ev)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the other instance never got the event")
	}

	// Kill B's LISTEN connection: B reports the loss, then flushes when it
	// listens again.
	if _, err := dbB.Pool().Exec(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev := <-gotB:
			if ev.Flush {
				if !b.Connected() {
					t.Fatal("flushed but not connected")
				}
				return
			}
		case <-deadline:
			t.Fatal("no flush after the LISTEN connection was killed")
		}
	}
}
