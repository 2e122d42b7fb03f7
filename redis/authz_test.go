package redis_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/redis"
)

func TestAuthzCache(t *testing.T) {
	c := redis.NewAuthzCache(open(t, "velro-test:"+uuid.NewString()+":"), time.Minute)
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
}
