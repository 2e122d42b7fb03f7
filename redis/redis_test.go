package redis_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/bus/bustest"
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

func TestBus(t *testing.T) {
	bustest.Run(t, bustest.Transport{
		Open: func(t *testing.T) (velro.Bus, velro.Bus) {
			prefix := "velro-test:" + uuid.NewString() + ":"
			return newBus(t, open(t, prefix)), newBus(t, open(t, prefix))
		},
		// Kill subscriber connections from the server side: a real drop.
		// (Other tests' buses flush too; flushing is always safe.)
		Drop: func(t *testing.T) {
			admin := open(t, "velro-test:")
			if err := admin.Redis().ClientKillByFilter(context.Background(), "TYPE", "pubsub").Err(); err != nil {
				t.Fatal(err)
			}
		},
	})
}

func newBus(t *testing.T, c *redis.Client) *redis.Bus {
	b, err := redis.NewBus(t.Context(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
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
