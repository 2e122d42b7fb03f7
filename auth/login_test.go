package auth_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/auth"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/redis"
)

// countingHasher counts the password checks that reach the real hasher.
type countingHasher struct {
	auth.PasswordHasher
	verified atomic.Int32
}

func (h *countingHasher) Verify(ctx context.Context, phc, password string) (bool, error) {
	h.verified.Add(1)
	return h.PasswordHasher.Verify(ctx, phc, password)
}

// cheapHasher counts checks of argon2id at a cost low enough for tests.
func cheapHasher() *countingHasher {
	return &countingHasher{PasswordHasher: auth.NewHasher(auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}, 0, time.Minute)}
}

// redisLimiter connects a limiter to the Redis at url under a fresh prefix.
func redisLimiter(t *testing.T, url string) auth.Limiter {
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	// A deadline that only bounds a hang: these tests check the shared
	// counts, so the limiter must never fall back to each instance's own.
	opts.CallTimeout = 10 * time.Second
	c, err := redis.Open(t.Context(), opts, "velro-test:"+uuid.NewString()+":")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return redis.NewLimiter(c)
}

// fallbacks counts the warnings that an instance counted alone because
// the shared limiter missed its deadline.
type fallbacks struct{ n atomic.Int32 }

func (f *fallbacks) Enabled(context.Context, slog.Level) bool { return true }
func (f *fallbacks) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "shared limiter unavailable") {
		f.n.Add(1)
	}
	return nil
}
func (f *fallbacks) WithAttrs([]slog.Attr) slog.Handler { return f }
func (f *fallbacks) WithGroup(string) slog.Handler      { return f }

// deployment is n services on one store, like n servers.
type deployment struct {
	svcs      []*auth.Service
	fallbacks *fallbacks
}

// counted fails the test if an instance counted alone: the limits are
// checked as the instances share them.
func (d deployment) counted(t *testing.T) {
	t.Helper()
	if n := d.fallbacks.n.Load(); n > 0 {
		t.Fatalf("the shared limiter failed %d times and the instances counted alone", n)
	}
}

// instances returns n services on one store, like n servers: counting
// alone (n = 1), or sharing counts in the Redis at url.
func instances(t *testing.T, n int, url string, cfg auth.Config) deployment {
	store := newStore(t)
	if url != "" {
		cfg.SharedLimiter = redisLimiter(t, url)
	}
	d := deployment{fallbacks: &fallbacks{}}
	cfg.Log = slog.New(d.fallbacks)
	for range n {
		svc, err := auth.NewService(t.Context(), store, cfg)
		if err != nil {
			t.Fatal(err)
		}
		d.svcs = append(d.svcs, svc)
	}
	return d
}

// forEachDeployment runs fn on one instance counting alone, and on two
// sharing counts in Redis and in a Redis Cluster.
func forEachDeployment(t *testing.T, cfg auth.Config, fn func(t *testing.T, d deployment)) {
	t.Run("one instance", func(t *testing.T) { fn(t, instances(t, 1, "", cfg)) })
	t.Run("two on redis", func(t *testing.T) { fn(t, instances(t, 2, testenv.RedisURL(t), cfg)) })
	t.Run("two on redis-cluster", func(t *testing.T) { fn(t, instances(t, 2, testenv.RedisClusterURL(t), cfg)) })
}

// TestParallelGuessesHashAtMostTheLimit: 200 wrong passwords for one
// account from one client at the same instant, spread over the instances,
// reach the hasher exactly DefaultLoginLimits.PerAccountClient times in
// all; the rest are refused with ERATELIMIT before hashing.
func TestParallelGuessesHashAtMostTheLimit(t *testing.T) {
	hasher := cheapHasher()
	forEachDeployment(t, auth.Config{Hasher: hasher}, func(t *testing.T, d deployment) {
		svcs := d.svcs
		if _, err := svcs[0].Register(t.Context(), "victim@example.com", "Passw0rd!", "", "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
		hasher.verified.Store(0)
		codes := make(chan string, 200)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 200 {
			wg.Go(func() {
				<-start
				_, err := svcs[i%len(svcs)].Login(context.Background(), "victim@example.com", fmt.Sprintf("Guess-%03d", i), "203.0.113.9")
				codes <- velro.ErrorCode(err)
			})
		}
		close(start)
		wg.Wait()
		close(codes)
		count := map[string]int{}
		for c := range codes {
			count[c]++
		}
		d.counted(t)
		limit := auth.DefaultLoginLimits.PerAccountClient
		checked := int(hasher.verified.Load())
		if checked != count[velro.EUNAUTHORIZED] || count[velro.EUNAUTHORIZED]+count[velro.ERATELIMIT] != 200 || checked != limit {
			t.Fatalf("200 parallel guesses: %d passwords checked, answers %v; want %d checked", checked, count, limit)
		}
		// The owner, from elsewhere, logs in on every instance.
		for _, svc := range svcs {
			if _, err := svc.Login(t.Context(), "victim@example.com", "Passw0rd!", "198.51.100.1"); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestParallelRegistrationsKeepTheLimit: 30 registrations from one client
// at once, spread over the instances, with a limit of 5: 5 accounts, 25
// refusals; another client has its own limit.
func TestParallelRegistrationsKeepTheLimit(t *testing.T) {
	forEachDeployment(t, auth.Config{Hasher: cheapHasher(), RegisterLimit: 5}, func(t *testing.T, d deployment) {
		svcs := d.svcs
		if _, err := svcs[0].Register(t.Context(), "taken@example.com", "Passw0rd!", "", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		var created, refused atomic.Int32
		var wg sync.WaitGroup
		for i := range 30 {
			wg.Go(func() {
				_, err := svcs[i%len(svcs)].Register(context.Background(), fmt.Sprintf("farm%d@example.com", i), "Passw0rd!", "", "203.0.113.9")
				switch velro.ErrorCode(err) {
				case "":
					created.Add(1)
				case velro.ERATELIMIT:
					refused.Add(1)
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		d.counted(t)
		if created.Load() != 5 || refused.Load() != 25 {
			t.Fatalf("%d created, %d refused; want 5 and 25", created.Load(), refused.Load())
		}
		// A duplicate email counts (probing which addresses have
		// accounts), a refused password does not get that far.
		if _, err := svcs[0].Register(t.Context(), "taken@example.com", "Passw0rd!", "", "198.51.100.1"); velro.ErrorCode(err) != velro.ECONFLICT {
			t.Fatalf("duplicate: %v", err)
		}
		if _, err := svcs[0].Register(t.Context(), "x@example.com", "short", "", "198.51.100.1"); velro.ErrorCode(err) != velro.EINVALID {
			t.Fatalf("short password: %v", err)
		}
		for i := range 4 {
			if _, err := svcs[i%len(svcs)].Register(t.Context(), fmt.Sprintf("other%d@example.com", i), "Passw0rd!", "", "198.51.100.1"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svcs[0].Register(t.Context(), "sixth@example.com", "Passw0rd!", "", "198.51.100.1"); velro.ErrorCode(err) != velro.ERATELIMIT {
			t.Fatalf("the sixth registration of the other client: %v", err)
		}
	})
}
