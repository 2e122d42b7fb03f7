package main

import (
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro/internal/testenv"
)

// TestRedisStallOnOneInstance: two instances on one PostgreSQL and Redis,
// the second reaching Redis through a proxy that black-holes its
// connections (open, nothing flows: a stopped Redis or a broken network
// path, which never errors). Revocations made on the first must hold on the
// second within 2 s, requests on the second must not hang on Redis, what
// the second writes must still hold on the first, and once the path is back
// the second trusts its caches again.
func TestRedisStallOnOneInstance(t *testing.T) {
	redisURL, err := url.Parse(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := testenv.NewProxy(t, redisURL.Host)
	proxied := *redisURL
	proxied.Host = proxy.Addr
	e := env{"DATABASE_URL": testenv.PostgresURL(t), "REDIS_URL": redisURL.String(), "VELRO_REDIS_PREFIX": "velro-test:" + uuid.NewString() + ":"}
	a := startServer(t, e).client(t)
	b := startServer(t, merge(e, env{"REDIS_URL": proxied.String()})).client(t)

	owner, member, other := register(t, a, "owner@example.com"), register(t, a, "member@example.com"), register(t, a, "other@example.com")
	leaver, quitter := register(t, a, "leaver@example.com"), register(t, a, "quitter@example.com")
	o := a.with(owner.Access)
	team := o.do("POST", "/api/v1/teams", map[string]any{"name": "T"}).want(t, 201).Str(t, "id")
	for _, m := range []account{member, other} {
		o.do("POST", "/api/v1/teams/"+team+"/members", map[string]any{"email": m.Email, "role": "viewer"}).want(t, 201)
	}
	project := o.do("POST", "/api/v1/projects", map[string]any{"name": "P", "visibility": "team-only"}).want(t, 201).Str(t, "id")
	o.do("POST", "/api/v1/projects/"+project+"/teams", map[string]any{"team_id": team, "access_level": "read"}).want(t, 201)
	gen := submit(t, o, map[string]any{"model_id": "local/image", "prompt": "shared", "project_id": project})["id"].(string)
	waitStatus(t, o, gen, "completed")
	authorize := "/api/v1/generations/" + gen + "/authorize"

	// Warm B's caches: the member's grant and the leaver's session.
	waitCache(t, b.with(member.Access), authorize, "l1")
	b.with(leaver.Access).do("GET", "/api/v1/auth/me", nil).want(t, 200)
	b.with(leaver.Access).do("GET", "/api/v1/auth/me", nil).want(t, 200)

	proxy.Blackhole()
	o.do("DELETE", "/api/v1/teams/"+team+"/members/"+member.ID, nil).want(t, 200)
	a.with(leaver.Access).do("POST", "/api/v1/auth/logout", nil).want(t, 200)
	revoked := time.Now()
	slowest := waitStatusOn(t, b.with(member.Access), authorize, 403)
	slowest = max(slowest, waitStatusOn(t, b.with(leaver.Access), "/api/v1/auth/me", 401))
	t.Logf("measured: revocations made on A held on B (Redis path stalled) %v after the writes; slowest request on B meanwhile %v", time.Since(revoked), slowest)

	// Once the stall is noticed, requests on B do not wait on Redis.
	ob := b.with(owner.Access)
	waitCache(t, a.with(other.Access), authorize, "l1") // A's write dropped it: warm again
	timed(t, "narrowing write (unshare the project) on B", func() {
		ob.do("DELETE", "/api/v1/projects/"+project+"/teams/"+team, nil).want(t, 200)
	})
	// Cut off from Redis, B still tells A, over the database.
	unshared := time.Now()
	waitStatusOn(t, a.with(other.Access), authorize, 403)
	t.Logf("measured: a narrowing write on B (Redis path stalled) held on A %v after it", time.Since(unshared))
	timed(t, "submit on B", func() {
		submit(t, ob, map[string]any{"model_id": "local/image", "prompt": "stalled"})
	})
	timed(t, "logout on B", func() {
		b.with(quitter.Access).do("POST", "/api/v1/auth/logout", nil).want(t, 200)
	})
	timed(t, "login on B", func() {
		b.do("POST", "/api/v1/auth/login", map[string]any{"email": quitter.Email, "password": quitter.Password}).want(t, 200)
	})

	proxy.Resume()
	resumed := time.Now()
	waitCache(t, ob, authorize, "l1") // B trusts its caches again
	t.Logf("measured: B back on its caches %v after the path resumed", time.Since(resumed))

	// A write on B as a stall begins, before anything has noticed it.
	proxy.Blackhole()
	timed(t, "narrowing write (remove a member) on B as the stall begins", func() {
		ob.do("DELETE", "/api/v1/teams/"+team+"/members/"+other.ID, nil).want(t, 200)
	})
	proxy.Resume()
}

// hangBound is how long a request may take before the test calls it a
// hang: generous (-race, a loaded machine); the real latencies are logged.
const hangBound = 5 * time.Second

// staleBound is how long a revocation may take to hold before the test
// fails: generous against a loaded machine, well short of the minute a
// stalled Redis used to cost.
const staleBound = 10 * time.Second

// waitStatusOn polls path until it answers status; it returns the slowest
// request it made.
func waitStatusOn(t *testing.T, c *client, path string, status int) time.Duration {
	t.Helper()
	var slowest time.Duration
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		before := time.Now()
		got := c.do("GET", path, nil).Status
		slowest = max(slowest, time.Since(before))
		if slowest > hangBound {
			t.Fatalf("GET %s took %v", path, slowest)
		}
		if got == status {
			return slowest
		}
		if time.Since(start) > staleBound {
			t.Fatalf("GET %s still answers %d after %v, want %d", path, got, time.Since(start), status)
		}
	}
}

// waitCache polls an authorize path until it is answered from the cache
// layer named.
func waitCache(t *testing.T, c *client, path, layer string) {
	t.Helper()
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		got := c.do("GET", path, nil).want(t, 200).JSON(t)["cache"]
		if got == layer {
			return
		}
		if time.Since(start) > staleBound {
			t.Fatalf("GET %s answered from %v for %v, want %s", path, got, time.Since(start), layer)
		}
	}
}

// timed runs a request, fails if it hangs and logs how long it took.
func timed(t *testing.T, what string, fn func()) {
	t.Helper()
	start := time.Now()
	fn()
	d := time.Since(start)
	if d > hangBound {
		t.Fatalf("%s took %v", what, d)
	}
	t.Logf("measured: %s took %v", what, d)
}
