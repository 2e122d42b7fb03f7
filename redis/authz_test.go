package redis_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/redis"
)

// checked wraps an authz cache so that every call fails the test on an
// error: "not found" must never be an error in disguise.
type checked struct {
	t *testing.T
	c *redis.AuthzCache
}

func (c checked) get(k authz.Key) (authz.Entry, bool, string) {
	c.t.Helper()
	e, found, v, err := c.c.Get(c.t.Context(), k)
	if err != nil {
		c.t.Fatalf("Get %v: %v", k, err)
	}
	return e, found, v
}

func (c checked) found(k authz.Key) bool {
	c.t.Helper()
	_, found, _ := c.get(k)
	return found
}

// fill reads k's version, then puts e under it, as a cache miss does.
func (c checked) fill(k authz.Key, e authz.Entry) {
	c.t.Helper()
	_, _, v := c.get(k)
	c.put(k, e, v)
}

func (c checked) put(k authz.Key, e authz.Entry, version string) {
	c.t.Helper()
	if err := c.c.Put(c.t.Context(), k, e, version); err != nil {
		c.t.Fatalf("Put %v: %v", k, err)
	}
}

func (c checked) invalidate(scopes ...uuid.UUID) {
	c.t.Helper()
	if err := c.c.Invalidate(c.t.Context(), scopes); err != nil {
		c.t.Fatalf("Invalidate: %v", err)
	}
}

func (c checked) flush() {
	c.t.Helper()
	if err := c.c.Flush(c.t.Context()); err != nil {
		c.t.Fatalf("Flush: %v", err)
	}
}

func testAuthzCache(t *testing.T, url string) {
	prefix := newPrefix()
	c := checked{t, redis.NewAuthzCache(open(t, url, prefix), time.Minute)}
	project := uuid.New()
	k := authz.Key{User: uuid.New(), Kind: velro.KindProject, ID: project}
	e := authz.Entry{Access: velro.Access{Role: velro.RoleEditor, Method: velro.MethodTeam}, Exists: true, Scope: project}

	if c.found(k) {
		t.Fatal("an empty cache found an entry")
	}
	c.fill(k, e)
	if got, found, _ := c.get(k); !found || got != e {
		t.Fatalf("after put: %+v found=%v", got, found)
	}

	// A fill that read its version before an invalidation is dropped.
	stale := authz.Key{User: uuid.New(), Kind: velro.KindProject, ID: project}
	_, _, before := c.get(stale)
	c.invalidate(project)
	if c.found(k) {
		t.Fatal("an invalidated entry is still served")
	}
	c.put(stale, e, before)
	if c.found(stale) {
		t.Fatal("a fill computed before the invalidation landed after it")
	}

	// Generations: the first fill records the scope, the next one the entry.
	gen := uuid.New()
	gk := authz.Key{User: uuid.New(), Kind: velro.KindGeneration, ID: gen}
	ge := authz.Entry{Access: velro.Access{Role: velro.RoleViewer, Method: velro.MethodPublic}, Exists: true, Scope: project}
	c.fill(gk, ge)
	if c.found(gk) {
		t.Fatal("a generation's first fill stored an entry without a version of its scope")
	}
	c.fill(gk, ge)
	if got, found, _ := c.get(gk); !found || got != ge {
		t.Fatalf("second fill: %+v %v", got, found)
	}
	c.invalidate(project)
	if c.found(gk) {
		t.Fatal("invalidating the project left its generation's entry")
	}

	// Flush drops everything.
	c.fill(k, e)
	c.flush()
	if c.found(k) {
		t.Fatal("flush left an entry")
	}

	// Another instance, which last saw an older generation, neither
	// serves what the flush dropped nor misses the new generation when it
	// invalidates.
	c.fill(k, e)
	other := checked{t, redis.NewAuthzCache(open(t, url, prefix), time.Minute)}
	if !other.found(k) {
		t.Fatal("the other instance misses a filled entry")
	}
	c.flush()
	if other.found(k) {
		t.Fatal("the other instance serves an entry from before the flush")
	}
	c.fill(k, e)
	late := checked{t, redis.NewAuthzCache(open(t, url, prefix), time.Minute)} // has seen no generation
	late.invalidate(project)
	if c.found(k) {
		t.Fatal("an invalidation from an instance with an old generation left the entry")
	}
}

// testScopesSpread fills entries of scopes whose keys fall on different
// nodes of a cluster, then invalidates them all in one call.
func testScopesSpread(t *testing.T, url string) {
	client := open(t, url, newPrefix())
	c := redis.NewAuthzCache(client, time.Minute)
	ctx := t.Context()
	var keys []authz.Key
	for i := range 16 {
		// Fixed ids: the hash tag leaves out the prefix, so the slots are
		// the same on every run.
		project := uuid.NewSHA1(uuid.NameSpaceOID, []byte{byte(i)})
		k := authz.Key{User: uuid.New(), Kind: velro.KindProject, ID: project}
		_, _, v, err := c.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Put(ctx, k, authz.Entry{Access: velro.Access{Role: velro.RoleViewer, Method: velro.MethodTeam}, Exists: true, Scope: project}, v); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	cluster, ok := client.Redis().(*goredis.ClusterClient)
	if !ok {
		t.Fatalf("%s is not a cluster", url)
	}
	var mu sync.Mutex
	nodesWithKeys := 0
	err := cluster.ForEachMaster(ctx, func(ctx context.Context, node *goredis.Client) error {
		n, err := node.Keys(ctx, client.Key("authz:*")).Result()
		mu.Lock()
		defer mu.Unlock()
		if len(n) > 0 {
			nodesWithKeys++
		}
		return err
	})
	if err != nil || nodesWithKeys < 2 {
		t.Fatalf("the scopes' keys are on %d nodes (%v); want several", nodesWithKeys, err)
	}

	scopes := make([]uuid.UUID, len(keys))
	for i, k := range keys {
		if _, found, _, err := c.Get(ctx, k); err != nil || !found {
			t.Fatalf("scope %d: not filled (%v)", i, err)
		}
		scopes[i] = k.ID
	}
	if err := c.Invalidate(ctx, scopes); err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		if _, found, _, err := c.Get(ctx, k); found || err != nil {
			t.Fatalf("scope %d after invalidating all: found=%v %v", i, found, err)
		}
	}
}
