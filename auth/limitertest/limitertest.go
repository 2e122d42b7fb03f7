// Package limitertest is the conformance suite every auth.Limiter passes:
// the in-memory one, and the Redis one on a server and on a cluster.
package limitertest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/velro-ai/velro/auth"
)

// Opener returns two handles on one fresh, empty limiter (for a shared
// limiter, as two instances see it; the memory limiter returns itself
// twice).
type Opener func(t *testing.T) (auth.Limiter, auth.Limiter)

// Run runs the suite.
func Run(t *testing.T, open Opener) {
	t.Run("Limit", func(t *testing.T) { testLimit(t, open) })
	t.Run("AllOrNothing", func(t *testing.T) { testAllOrNothing(t, open) })
	t.Run("Window", func(t *testing.T) { testWindow(t, open) })
	t.Run("Parallel", func(t *testing.T) { testParallel(t, open) })
}

func reserve(t *testing.T, l auth.Limiter, scope string, buckets ...auth.Bucket) time.Duration {
	t.Helper()
	wait, err := l.Reserve(t.Context(), scope, buckets...)
	if err != nil {
		t.Fatal(err)
	}
	return wait
}

// testLimit: Limit reservations pass, the next waits (seen from the other
// handle too), other keys and scopes are untouched; Release gives one back,
// Reset empties.
func testLimit(t *testing.T, open Opener) {
	a, b := open(t)
	k := auth.Bucket{Key: "k", Limit: 3, Window: time.Minute}
	for i := range 3 {
		if w := reserve(t, a, "1.2.3.4", k); w != 0 {
			t.Fatalf("reservation %d waits %v", i+1, w)
		}
	}
	if w := reserve(t, b, "1.2.3.4", k); w <= 0 || w > time.Minute {
		t.Fatalf("past the limit: wait %v, want (0, 1m]", w)
	}
	other := auth.Bucket{Key: "other", Limit: 3, Window: time.Minute}
	if reserve(t, b, "1.2.3.4", other) != 0 || reserve(t, b, "5.6.7.8", k) != 0 {
		t.Fatal("another key or scope is throttled")
	}
	if err := b.Release(t.Context(), "1.2.3.4", k); err != nil {
		t.Fatal(err)
	}
	if reserve(t, a, "1.2.3.4", k) != 0 || reserve(t, a, "1.2.3.4", k) == 0 {
		t.Fatal("a release did not give exactly one attempt back")
	}
	if err := a.Reset(t.Context(), "1.2.3.4", k); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if reserve(t, b, "1.2.3.4", k) != 0 {
			t.Fatal("reset did not empty the bucket")
		}
	}
	// Releasing an empty bucket does not bank attempts.
	fresh := auth.Bucket{Key: "fresh", Limit: 1, Window: time.Minute}
	if err := a.Release(t.Context(), "1.2.3.4", fresh, fresh); err != nil {
		t.Fatal(err)
	}
	if reserve(t, a, "1.2.3.4", fresh) != 0 || reserve(t, a, "1.2.3.4", fresh) == 0 {
		t.Fatal("releases before any reservation raised the limit")
	}
}

// testAllOrNothing: a reservation under several buckets takes from none
// when one is spent, and the wait is the longest.
func testAllOrNothing(t *testing.T, open Opener) {
	l, _ := open(t)
	strict := auth.Bucket{Key: "strict", Limit: 1, Window: time.Hour}
	generous := auth.Bucket{Key: "generous", Limit: 2, Window: time.Minute}
	if reserve(t, l, "s", strict, generous) != 0 {
		t.Fatal("first reservation refused")
	}
	for range 3 {
		if w := reserve(t, l, "s", strict, generous); w <= time.Minute {
			t.Fatalf("with the strict bucket spent: wait %v, want its window's rest (~1h)", w)
		}
	}
	// The refused reservations took nothing from the generous bucket.
	if reserve(t, l, "s", generous) != 0 || reserve(t, l, "s", generous) == 0 {
		t.Fatal("refused reservations used up the other bucket")
	}
}

// testWindow: a spent bucket refills once its window ends.
func testWindow(t *testing.T, open Opener) {
	l, _ := open(t)
	k := auth.Bucket{Key: "short", Limit: 1, Window: 200 * time.Millisecond}
	if reserve(t, l, "s", k) != 0 || reserve(t, l, "s", k) == 0 {
		t.Fatal("limit of 1 not applied")
	}
	deadline := time.Now().Add(5 * time.Second)
	for reserve(t, l, "s", k) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the bucket did not refill after its window")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testParallel: 200 reservations at once under a strict and a generous
// bucket, through both handles: exactly the strict limit passes, and the
// generous bucket counted exactly those.
func testParallel(t *testing.T, open Opener) {
	a, b := open(t)
	pair := auth.Bucket{Key: "pair", Limit: 10, Window: time.Minute}
	client := auth.Bucket{Key: "client", Limit: 50, Window: time.Minute}
	var passed atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 200 {
		wg.Go(func() {
			<-start
			l := []auth.Limiter{a, b}[i%2]
			if w, err := l.Reserve(t.Context(), "9.9.9.9", pair, client); err != nil {
				t.Error(err)
			} else if w == 0 {
				passed.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := passed.Load(); n != 10 {
		t.Fatalf("%d of 200 parallel reservations passed a limit of 10", n)
	}
	for i := range 40 {
		if reserve(t, a, "9.9.9.9", auth.Bucket{Key: fmt.Sprintf("pair-%d", i), Limit: 10, Window: time.Minute}, client) != 0 {
			t.Fatalf("the client bucket was spent after %d more: refused reservations counted", i)
		}
	}
	if reserve(t, b, "9.9.9.9", auth.Bucket{Key: "pair-last", Limit: 10, Window: time.Minute}, client) == 0 {
		t.Fatal("the client bucket passed more than its limit")
	}
}
