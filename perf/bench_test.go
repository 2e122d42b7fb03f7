package perf

import (
	"testing"
	"time"

	"github.com/velro-ai/velro"
)

// BenchmarkObserve is the cost of recording one sample, alone (the clock
// reads around the timed operation come on top).
func BenchmarkObserve(b *testing.B) {
	t := New(Config{})
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			t.Observe(velro.OpAuthorizationCheck, 150*time.Nanosecond)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				t.Observe(velro.OpAuthorizationCheck, 150*time.Nanosecond)
			}
		})
	})
}
