package cache_test

import (
	"testing"
	"time"

	"github.com/velro-ai/velro/cache"
)

// TestFillRacingInvalidation: a value loaded before an invalidation is not
// kept, whether the invalidation lands during the load or after it.
func TestFillRacingInvalidation(t *testing.T) {
	c := cache.NewLocal[string, int](10, time.Minute)
	v, err := c.Fill("k", func() (int, error) {
		c.Invalidate("k") // a write lands while the old value is being read
		return 1, nil
	})
	if err != nil || v != 1 {
		t.Fatalf("fill returned %v, %v", v, err)
	}
	if _, ok := c.Get("k"); ok {
		t.Fatal("a value loaded before an invalidation was cached")
	}

	epoch := c.Epoch()
	c.InvalidateIf(func(string, int) bool { return false }) // any invalidation counts
	c.StoreIfCurrent("k", 2, epoch)
	if _, ok := c.Get("k"); ok {
		t.Fatal("StoreIfCurrent kept a value older than an invalidation")
	}

	if _, err := c.Fill("k", func() (int, error) { return 3, nil }); err != nil {
		t.Fatal(err)
	}
	if v, ok := c.Get("k"); !ok || v != 3 {
		t.Fatalf("an undisturbed fill was not cached: %v %v", v, ok)
	}
	c.InvalidateIf(func(k string, v int) bool { return v == 3 })
	if _, ok := c.Get("k"); ok {
		t.Fatal("InvalidateIf left a matching entry")
	}
}
