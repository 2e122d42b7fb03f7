package redis_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/redis"
)

// BenchmarkAuthzCacheGet: one L2 hit (an L1 miss answered by Redis), for a
// project and for a generation (which also reads its scope pointer), on
// one Redis and on a cluster.
//
//	go test -run '^$' -bench AuthzCacheGet ./redis/
func BenchmarkAuthzCacheGet(b *testing.B) {
	for _, target := range []struct {
		name string
		url  func(testing.TB) string
	}{{"redis", testenv.RedisURL}, {"cluster", testenv.RedisClusterURL}} {
		b.Run(target.name, func(b *testing.B) {
			opts, err := redis.ParseURL(target.url(b))
			if err != nil {
				b.Fatal(err)
			}
			client, err := redis.Open(b.Context(), opts, "velro-bench:"+uuid.NewString()+":")
			if err != nil {
				b.Fatal(err)
			}
			defer client.Close()
			c := redis.NewAuthzCache(client, time.Minute)
			project := uuid.New()
			entry := authz.Entry{Access: velro.Access{Role: velro.RoleViewer, Method: velro.MethodTeam}, Exists: true, Scope: project}
			for _, kind := range []velro.Kind{velro.KindProject, velro.KindGeneration} {
				k := authz.Key{User: uuid.New(), Kind: kind, ID: project}
				if kind == velro.KindGeneration {
					k.ID = uuid.New()
				}
				for range 2 { // a generation's first fill writes only its pointer
					_, _, v, _ := c.Get(b.Context(), k)
					if err := c.Put(b.Context(), k, entry, v); err != nil {
						b.Fatal(err)
					}
				}
				b.Run(map[velro.Kind]string{velro.KindProject: "project", velro.KindGeneration: "generation"}[kind], func(b *testing.B) {
					for b.Loop() {
						if _, found, _, err := c.Get(b.Context(), k); err != nil || !found {
							b.Fatalf("found=%v %v", found, err)
						}
					}
				})
			}
		})
	}
}
