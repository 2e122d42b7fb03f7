package authz_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/bus"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/perf"
	"github.com/velro-ai/velro/storetest"
)

// BenchmarkCheckWarm is a check answered by L1: the cost every request
// pays once the cache is warm. Goal: under 1 µs, no allocations. It runs
// with performance tracking off and on (a perf.Tracker timing every
// check): goal for the difference, 3 % of the authorize endpoint's time
// per request (BENCHMARKS.md).
func BenchmarkCheckWarm(b *testing.B) {
	s := openStore(b)
	owner := storetest.NewUser(b, s, "owner@example.com")
	g := storetest.NewGeneration(b, s, owner.ID, nil)
	ctx := context.Background()
	for _, tracking := range []string{"off", "on"} {
		cfg := authz.Config{Store: s, Bus: new(bus.Local)}
		if tracking == "on" {
			cfg.Observer = perf.New(perf.Config{})
		}
		e := authz.New(cfg)
		warm := func(b *testing.B) {
			if d, _ := e.Check(ctx, owner.ID, velro.KindGeneration, g.ID); d.Layer != authz.LayerL1 {
				b.Fatal("not an L1 hit")
			}
		}
		e.Check(ctx, owner.ID, velro.KindGeneration, g.ID)
		b.Run("tracking="+tracking+"/serial", func(b *testing.B) {
			b.ReportAllocs()
			testenv.ReportCPU(b, func() {
				for b.Loop() {
					warm(b)
				}
			})
		})
		b.Run("tracking="+tracking+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			testenv.ReportCPU(b, func() {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						warm(b)
					}
				})
			})
		})
	}
}

// BenchmarkZipfTrace replays checks of 1,000 users on 100 generations in
// a public project (100,000 user-generation pairs, every check allowed),
// drawn from a Zipf distribution over the pairs with exponent s (1.01 is
// the least skew math/rand allows), with an L1 that holds every pair or a
// tenth of them. The first 100,000 checks warm the caches; the reported
// hit rate is over the b.N checks after them, so it depends on b.N: run
// with a fixed count, e.g. -benchtime 1000000x. Misses are mostly first
// touches of rare pairs.
func BenchmarkZipfTrace(b *testing.B) {
	for _, c := range []struct {
		s    float64
		size int
	}{{1.01, 100_000}, {1.01, 10_000}, {1.1, 100_000}, {1.1, 10_000}, {1.2, 100_000}, {1.2, 10_000}} {
		b.Run(fmt.Sprintf("s=%v/L1=%d", c.s, c.size), func(b *testing.B) {
			size := c.size
			s := openStore(b)
			e := authz.New(authz.Config{Store: s, Bus: new(bus.Local), L1Size: size})
			owner := storetest.NewUser(b, s, "owner@example.com")
			p := storetest.NewProject(b, s, owner.ID, velro.VisibilityPublic)
			users := make([]uuid.UUID, 1000)
			for i := range users {
				users[i] = storetest.NewUser(b, s, uuid.NewString()+"@example.com").ID
			}
			gens := make([]uuid.UUID, 100)
			for i := range gens {
				gens[i] = storetest.NewGeneration(b, s, owner.ID, &p.ID).ID
			}
			zipf := rand.NewZipf(rand.New(rand.NewPCG(7, 11)), c.s, 1, uint64(len(users)*len(gens)-1))
			// Ranks map to pairs through a fixed shuffle, so popular pairs
			// are spread over users and generations.
			perm := rand.New(rand.NewPCG(3, 5)).Perm(len(users) * len(gens))
			// trace records each pair checked, so the trace's compulsory-miss
			// bound (the hit rate of a cache that never forgets) is computed
			// from the same trace, after the timed loop.
			var trace []int32
			next := func() (uuid.UUID, uuid.UUID) {
				pair := perm[zipf.Uint64()]
				trace = append(trace, int32(pair))
				return users[pair/len(gens)], gens[pair%len(gens)]
			}
			ctx := context.Background()
			for range 100_000 {
				u, g := next()
				e.Check(ctx, u, velro.KindGeneration, g)
			}
			warm := len(trace)
			trace = slices.Grow(trace, b.N)
			before := e.Stats()
			b.ResetTimer()
			for range b.N {
				u, g := next()
				if d, err := e.Check(ctx, u, velro.KindGeneration, g); err != nil || !d.Allows(velro.ActionView) {
					b.Fatal(d, err)
				}
			}
			b.StopTimer()
			after := e.Stats()
			hits := after.L1.Hits - before.L1.Hits
			total := hits + after.L1.Misses - before.L1.Misses
			seen := make(map[int32]bool, len(users)*len(gens))
			firsts := 0
			for i, pair := range trace {
				if !seen[pair] && i >= warm {
					firsts++
				}
				seen[pair] = true
			}
			b.ReportMetric(100*float64(b.N-firsts)/float64(b.N), "%bound")
			b.ReportMetric(100*float64(hits)/float64(total), "%hit")
		})
	}
}
