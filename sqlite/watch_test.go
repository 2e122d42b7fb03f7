package sqlite_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/sqlite"
	"github.com/velro-ai/velro/storetest"
)

// TestBusSeesOtherProcesses: an account change written through another
// connection to the file (another process: the CLI) flushes the caches at
// the next look; other writes, and no writes, do not.
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
	look := func() int32 {
		t.Helper()
		b.Look(t.Context())
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
	if n := look(); n != 0 {
		t.Fatalf("a new account flushed the caches (%d)", n)
	}
	if n := look(); n != 0 {
		t.Fatalf("no change flushed the caches (%d)", n)
	}
	disabled := true
	if _, _, err := store.ControlAccount(t.Context(), u.ID, velro.AccountControl{Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	if n := look(); n != 1 {
		t.Fatalf("an account disabled by another process: %d flushes at the next look, want 1", n)
	}
	if n := look(); n != 1 {
		t.Fatalf("the same change flushed again (%d)", n)
	}
}

// TestWatchAppliesOtherProcesses: the server's loop applies another
// process's account change within a few periods, without any request.
func TestWatchAppliesOtherProcesses(t *testing.T) {
	db := testenv.SQLite(t)
	b, err := sqlite.NewBus(t.Context(), db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	flushed := make(chan struct{}, 1)
	b.Subscribe(func(ev velro.Event) {
		if ev.Flush {
			select {
			case flushed <- struct{}{}:
			default:
			}
		}
	})
	ctx, stop := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); b.Watch(ctx, time.Millisecond) }()
	t.Cleanup(func() { stop(); <-done })

	other, err := sqlite.Open(t.Context(), db.Path())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	store := testenv.Store(t, other, 0)
	u := storetest.NewUser(t, store, "ada@example.com")
	disabled := true
	if _, _, err := store.ControlAccount(t.Context(), u.ID, velro.AccountControl{Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-flushed:
	case <-time.After(10 * time.Second): // a hang bound, not a latency budget
		t.Fatal("the watch loop never applied the other process's change")
	}
}
