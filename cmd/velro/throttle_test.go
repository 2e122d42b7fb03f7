package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro/internal/testenv"
)

// forEachLimiter runs fn with each limiter a server can have: in memory
// (no Redis), shared in Redis, and shared in a Redis Cluster. Storage is
// SQLite: the limits do not touch the database.
func forEachLimiter(t *testing.T, fn func(t *testing.T, e env)) {
	t.Run("memory", func(t *testing.T) { fn(t, env{}) })
	t.Run("redis", func(t *testing.T) {
		fn(t, env{"REDIS_URL": testenv.RedisURL(t), "VELRO_REDIS_PREFIX": "velro-test:" + uuid.NewString() + ":"})
	})
	t.Run("redis-cluster", func(t *testing.T) { fn(t, env{"REDIS_URL": testenv.RedisClusterURL(t)}) })
}

// TestParallelLoginGuesses: 200 wrong passwords for one account from one
// client at the same instant. Only a checked password answers 401 (a
// throttled attempt answers 429 before hashing), so exactly the
// per-account limit (10) may be checked, however the requests interleave.
func TestParallelLoginGuesses(t *testing.T) {
	forEachLimiter(t, func(t *testing.T, e env) {
		srv := startServer(t, e)
		c := srv.client(t)
		victim := register(t, c, "victim@example.com")
		attacker := c.from("127.0.0.2")
		got := parallel(t, 200, func(i int) *response {
			return attacker.do("POST", "/api/v1/auth/login", map[string]any{"email": victim.Email, "password": fmt.Sprintf("Guess-%03d", i)})
		})
		if got[401] != 10 || got[429] != 190 {
			t.Fatalf("200 parallel guesses answered %v; want 10 checked (401) and 190 refused (429)\n%s", got, srv.stderr)
		}
		// The owner, from another client, still gets in.
		c.from("127.0.0.3").do("POST", "/api/v1/auth/login", map[string]any{"email": victim.Email, "password": victim.Password}).want(t, 200)
	})
}

// TestLoginSuccessDoesNotCountForTheClient: logins that succeed do not use
// up the generous per-client limit (50 failures), so a NAT full of people
// logging in is not locked out; their failures still count.
func TestLoginSuccessDoesNotCountForTheClient(t *testing.T) {
	c := startServer(t, env{}).client(t)
	users := make([]account, 3)
	for i := range users {
		users[i] = register(t, c, fmt.Sprintf("office%d@example.com", i))
	}
	office := c.from("127.0.0.4")
	for i := range 60 {
		u := users[i%len(users)]
		office.do("POST", "/api/v1/auth/login", map[string]any{"email": u.Email, "password": u.Password}).want(t, 200)
	}
	// 50 failures on as many accounts (each under its own limit) use up
	// the client's.
	for i := range 50 {
		office.do("POST", "/api/v1/auth/login", map[string]any{"email": fmt.Sprintf("nobody%d@example.com", i), "password": "Wrong-pass1"}).want(t, 401)
	}
	office.do("POST", "/api/v1/auth/login", map[string]any{"email": users[0].Email, "password": users[0].Password}).wantError(t, 429, "rate_limited")
}

// TestRegisterThrottling: at most VELRO_REGISTER_LIMIT registrations an
// hour per client, also when they arrive at once; other clients are not
// affected; 0 turns the limit off.
func TestRegisterThrottling(t *testing.T) {
	forEachLimiter(t, func(t *testing.T, e env) {
		e["VELRO_REGISTER_LIMIT"] = "3"
		c := startServer(t, e).client(t)
		farm := c.from("127.0.0.2")
		got := parallel(t, 20, func(i int) *response {
			return farm.do("POST", "/api/v1/auth/register", map[string]any{"email": fmt.Sprintf("farm%d@example.com", i), "password": "Passw0rd!"})
		})
		if got[201] != 3 || got[429] != 17 {
			t.Fatalf("20 parallel registrations with a limit of 3 answered %v", got)
		}
		r := farm.do("POST", "/api/v1/auth/register", map[string]any{"email": "late@example.com", "password": "Passw0rd!"}).wantError(t, 429, "rate_limited")
		if r.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
		register(t, c.from("127.0.0.3"), "someone-else@example.com")
	})
	t.Run("off", func(t *testing.T) {
		c := startServer(t, env{"VELRO_REGISTER_LIMIT": "0"}).client(t)
		for i := range 12 {
			register(t, c, fmt.Sprintf("many%d@example.com", i))
		}
	})
}

// TestParallelLoginGuessesAcrossInstances: the same 200 guesses spread
// over two servers that share Redis: the limit holds for the pair of them,
// counted in Redis (each server's own count would let 10 through each).
// The Redis deadline is raised to bound only a hang: a server that fell
// back to its own count fails the test.
func TestParallelLoginGuessesAcrossInstances(t *testing.T) {
	for name, redisURL := range map[string]func(testing.TB) string{"redis": testenv.RedisURL, "redis-cluster": testenv.RedisClusterURL} {
		t.Run(name, func(t *testing.T) {
			e := env{"DATABASE_URL": testenv.PostgresURL(t), "REDIS_URL": redisURL(t), "VELRO_REDIS_PREFIX": "velro-test:" + uuid.NewString() + ":", "VELRO_REDIS_TIMEOUT": "10s"}
			sa, sb := startServer(t, e), startServer(t, e)
			a, b := sa.client(t).from("127.0.0.2"), sb.client(t).from("127.0.0.2")
			victim := register(t, a, "victim@example.com")
			got := parallel(t, 200, func(i int) *response {
				return []*client{a, b}[i%2].do("POST", "/api/v1/auth/login", map[string]any{"email": victim.Email, "password": fmt.Sprintf("Guess-%03d", i)})
			})
			if got[401]+got[429] != 200 {
				t.Fatalf("200 parallel guesses over two servers answered %v", got)
			}
			if strings.Contains(sa.stderr.String()+sb.stderr.String(), "shared limiter unavailable") {
				t.Fatalf("a server counted alone (Redis failed within 10 s): %v", got)
			}
			if got[401] != 10 {
				t.Fatalf("200 parallel guesses over two servers answered %v; want 10 checked (401) and 190 refused (429)", got)
			}
		})
	}
}
