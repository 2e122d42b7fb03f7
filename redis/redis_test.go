package redis_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/redis"
)

func open(t *testing.T, prefix string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	c, err := redis.Open(t.Context(), opts, prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestBusDeliversToOtherInstances(t *testing.T) {
	prefix := "velro-test:" + uuid.NewString() + ":"
	a, err := redis.NewBus(t.Context(), open(t, prefix), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := redis.NewBus(t.Context(), open(t, prefix), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	gotA, gotB := make(chan velro.Event, 4), make(chan velro.Event, 4)
	a.Subscribe(func(ev velro.Event) { gotA <- ev })
	b.Subscribe(func(ev velro.Event) { gotB <- ev })

	id := uuid.New()
	if err := a.Publish(t.Context(), velro.Event{Sessions: []uuid.UUID{id}}); err != nil {
		t.Fatal(err)
	}
	// Local delivery happens before Publish returns.
	select {
	case ev := <-gotA:
		if len(ev.Sessions) != 1 || ev.Sessions[0] != id {
			t.Fatalf("local event %+v", ev)
		}
	default:
		t.Fatal("publisher's own subscribers were not told before Publish returned")
	}
	select {
	case ev := <-gotB:
		if len(ev.Sessions) != 1 || ev.Sessions[0] != id {
			t.Fatalf("remote event %+v", ev)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the other instance never got the event")
	}
	select {
	case ev := <-gotA:
		t.Fatalf("publisher got its own event twice: %+v", ev)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestBusFlushesAfterReconnect(t *testing.T) {
	prefix := "velro-test:" + uuid.NewString() + ":"
	client := open(t, prefix)
	b, err := redis.NewBus(t.Context(), client, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	flushed := make(chan struct{}, 4)
	b.Subscribe(func(ev velro.Event) {
		if ev.Flush {
			flushed <- struct{}{}
		}
	})
	// Kill the subscriber's connection from the server side: a real drop.
	admin := open(t, prefix)
	if err := admin.Redis().ClientKillByFilter(context.Background(), "TYPE", "pubsub").Err(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-flushed:
	case <-time.After(5 * time.Second):
		t.Fatal("no flush after the subscription was dropped and restored")
	}
}

func TestLimiterIsShared(t *testing.T) {
	prefix := "velro-test:" + uuid.NewString() + ":"
	l1 := redis.NewLimiter(open(t, prefix), "login", 3, time.Minute)
	l2 := redis.NewLimiter(open(t, prefix), "login", 3, time.Minute)
	ctx := t.Context()
	for range 2 {
		l1.Fail(ctx, "k")
	}
	if w, err := l2.Wait(ctx, "k"); err != nil || w != 0 {
		t.Fatalf("below the limit: wait %v, %v", w, err)
	}
	l2.Fail(ctx, "k")
	if w, err := l1.Wait(ctx, "k"); err != nil || w <= 0 || w > time.Minute {
		t.Fatalf("at the limit, seen from the other instance: wait %v, %v", w, err)
	}
	l1.Reset(ctx, "k")
	if w, _ := l2.Wait(ctx, "k"); w != 0 {
		t.Fatal("reset not shared")
	}
}
