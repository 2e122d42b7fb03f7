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

// BenchmarkRequest is what the middleware adds to a request: the in-flight
// gauge, the request histogram and the step's counters.
func BenchmarkRequest(b *testing.B) {
	t := New(Config{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t.RequestStarted()
			t.RequestDone("GET", "GET /api/v1/generations/{id}/authorize", 200, 100*time.Microsecond)
		}
	})
}
