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

func testAuthzCache(t *testing.T, url string) {
	prefix := newPrefix()
	c := redis.NewAuthzCache(open(t, url, prefix), time.Minute)
	ctx := t.Context()
	project := uuid.New()
	k := authz.Key{User: uuid.New(), Kind: velro.KindProject, ID: project}
	e := authz.Entry{Access: velro.Access{Role: velro.RoleEditor, Method: velro.MethodTeam}, Exists: true, Scope: project}

	_, found, v1, err := c.Get(ctx, k)
	if err != nil || found {
		t.Fatalf("empty cache: found=%v %v", found, err)
	}
	if err := c.Put(ctx, k, e, v1); err != nil {
		t.Fatal(err)
	}
	got, found, _, err := c.Get(ctx, k)
	if err != nil || !found || got != e {
		t.Fatalf("after put: %+v found=%v %v", got, found, err)
	}

	// A fill that read its version before an invalidation is dropped.
	_, _, before, _ := c.Get(ctx, authz.Key{User: uuid.New(), Kind: velro.KindProject, ID: project})
	if err := c.Invalidate(ctx, []uuid.UUID{project}); err != nil {
		t.Fatal(err)
	}
	if _, found, _, _ := c.Get(ctx, k); found {
		t.Fatal("an invalidated entry is still served")
	}
	stale := authz.Key{User: uuid.New(), Kind: velro.KindProject, ID: project}
	if err := c.Put(ctx, stale, e, before); err != nil {
		t.Fatal(err)
	}
	if _, found, _, _ := c.Get(ctx, stale); found {
		t.Fatal("a fill computed before the invalidation landed after it")
	}

	// Generations: the first fill records the scope, the next one the entry.
	gen := uuid.New()
	gk := authz.Key{User: uuid.New(), Kind: velro.KindGeneration, ID: gen}
	ge := authz.Entry{Access: velro.Access{Role: velro.RoleViewer, Method: velro.MethodPublic}, Exists: true, Scope: project}
	_, _, v, _ := c.Get(ctx, gk)
	c.Put(ctx, gk, ge, v)
	if _, found, _, _ := c.Get(ctx, gk); found {
		t.Fatal("a generation's first fill stored an entry without a version of its scope")
	}
	_, _, v, _ = c.Get(ctx, gk)
	c.Put(ctx, gk, ge, v)
	if got, found, _, _ := c.Get(ctx, gk); !found || got != ge {
		t.Fatalf("second fill: %+v %v", got, found)
	}
	c.Invalidate(ctx, []uuid.UUID{project})
	if _, found, _, _ := c.Get(ctx, gk); found {
		t.Fatal("invalidating the project left its generation's entry")
	}

	// Flush drops everything.
	_, _, v, _ = c.Get(ctx, k)
	c.Put(ctx, k, e, v)
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, found, _, _ := c.Get(ctx, k); found {
		t.Fatal("flush left an entry")
	}

	// Another instance, which last saw an older generation, neither
	// serves what the flush dropped nor misses the new generation when it
	// invalidates.
	_, _, v, _ = c.Get(ctx, k)
	c.Put(ctx, k, e, v)
	other := redis.NewAuthzCache(open(t, url, prefix), time.Minute)
	if _, found, _, _ := other.Get(ctx, k); !found {
		t.Fatal("the other instance misses a filled entry")
	}
	c.Flush(ctx)
	if _, found, _, _ := other.Get(ctx, k); found {
		t.Fatal("the other instance serves an entry from before the flush")
	}
	_, _, v, _ = c.Get(ctx, k)
	c.Put(ctx, k, e, v)
	late := redis.NewAuthzCache(open(t, url, prefix), time.Minute) // has seen no generation
	if err := late.Invalidate(ctx, []uuid.UUID{project}); err != nil {
		t.Fatal(err)
	}
	if _, found, _, _ := c.Get(ctx, k); found {
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
		if _, found, _, _ := c.Get(ctx, k); !found {
			t.Fatalf("scope %d: not filled", i)
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
