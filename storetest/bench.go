package storetest

import (
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// BenchmarkSubmit measures SubmitGeneration — charge, write the ledger,
// insert the generation, enqueue its job, in one transaction — from 8
// goroutines per CPU, one user each.
func BenchmarkSubmit(b *testing.B, open Opener) {
	s := open(b, 0)
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		u := NewUser(b, s, uuid.NewString()+"@example.com")
		if _, _, err := s.GrantCredits(ctx(b), u.ID, 1_000_000_000, "benchmark"); err != nil {
			b.Error(err)
			return
		}
		for pb.Next() {
			if _, _, err := s.SubmitGeneration(ctx(b), pending(u.ID, nil, 1), "", velro.NoRule); err != nil {
				b.Error(err)
				return
			}
			n.Add(1)
		}
	})
	b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "submits/s")
}
