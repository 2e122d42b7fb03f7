package sqlite_test

import (
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/sqlite"
	"github.com/velro-ai/velro/storetest"
)

// TestBusSeesOtherProcesses: an account change written through another
// connection to the file (another process: the CLI) flushes the caches at
// the next Sync; other writes, and no writes, do not.
func TestBusSeesOtherProcesses(t *testing.T) {
	db := testenv.SQLite(t)
	b, err := sqlite.NewBus(t.Context(), db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	var flushes atomic.Int32
	b.Subscribe(func(ev velro.Event) {
		if ev.Flush {
			flushes.Add(1)
		}
	})
	sync := func() int32 {
		t.Helper()
		if err := b.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		return flushes.Load()
	}

	// "Another process": a second handle on the same file.
	other, err := sqlite.Open(t.Context(), db.Path())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	store := testenv.Store(t, other, 0)
	u := storetest.NewUser(t, store, "ada@example.com")
	if n := sync(); n != 0 {
		t.Fatalf("a new account flushed the caches (%d)", n)
	}
	if n := sync(); n != 0 {
		t.Fatalf("no change flushed the caches (%d)", n)
	}
	disabled := true
	if _, err := store.ControlAccount(t.Context(), u.ID, velro.AccountControl{Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	if n := sync(); n != 1 {
		t.Fatalf("an account disabled by another process: %d flushes at the next sync, want 1", n)
	}
	if n := sync(); n != 1 {
		t.Fatalf("the same change flushed again (%d)", n)
	}
}

// BenchmarkBusSync is the cost Sync adds to every authenticated request on
// SQLite when nothing changed.
func BenchmarkBusSync(b *testing.B) {
	db := testenv.SQLite(b)
	bus, err := sqlite.NewBus(b.Context(), db, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer bus.Close()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := bus.Sync(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkBusSyncSerial(b *testing.B) {
	db := testenv.SQLite(b)
	bus, err := sqlite.NewBus(b.Context(), db, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer bus.Close()
	for b.Loop() {
		if err := bus.Sync(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
}
