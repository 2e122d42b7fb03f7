package redis_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/auth"
	"github.com/velro-ai/velro/auth/limitertest"
	"github.com/velro-ai/velro/bus/bustest"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/redis"
)

// open connects to the Redis at url under prefix.
func open(t *testing.T, url, prefix string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(url)
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

func newPrefix() string { return "velro-test:" + uuid.NewString() + ":" }

func TestBus(t *testing.T)             { testBus(t, testenv.RedisURL(t)) }
func TestLimiterIsShared(t *testing.T) { testLimiter(t, testenv.RedisURL(t)) }
func TestAuthzCache(t *testing.T)      { testAuthzCache(t, testenv.RedisURL(t)) }

// TestCluster runs the same tests on a Redis Cluster of three masters: a
// scope's L2 keys share a slot, the bus and the limiter work across nodes.
func TestCluster(t *testing.T) {
	url := testenv.RedisClusterURL(t)
	t.Run("bus", func(t *testing.T) { testBus(t, url) })
	t.Run("limiter", func(t *testing.T) { testLimiter(t, url) })
	t.Run("authz cache", func(t *testing.T) { testAuthzCache(t, url) })
	t.Run("scopes spread over nodes", func(t *testing.T) { testScopesSpread(t, url) })
}

func testBus(t *testing.T, url string) {
	bustest.Run(t, bustest.Transport{
		Open: func(t *testing.T) (velro.Bus, velro.Bus) {
			prefix := newPrefix()
			return newBus(t, open(t, url, prefix)), newBus(t, open(t, url, prefix))
		},
		// Kill subscriber connections from the server side, on every node
		// of a cluster: a real drop. (Other tests' buses flush too;
		// flushing is always safe.)
		Drop: func(t *testing.T) {
			kill := func(ctx context.Context, c *goredis.Client) error {
				return c.ClientKillByFilter(ctx, "TYPE", "pubsub").Err()
			}
			var err error
			switch rdb := open(t, url, "velro-test:").Redis().(type) {
			case *goredis.ClusterClient:
				err = rdb.ForEachShard(context.Background(), kill)
			case *goredis.Client:
				err = kill(context.Background(), rdb)
			}
			if err != nil {
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

func testLimiter(t *testing.T, url string) {
	limitertest.Run(t, func(t *testing.T) (auth.Limiter, auth.Limiter) {
		prefix := newPrefix()
		return redis.NewLimiter(open(t, url, prefix)), redis.NewLimiter(open(t, url, prefix))
	})
}
