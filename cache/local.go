// Package cache holds Velro's in-process caches. Local is the building
// block: an otter cache whose fills cannot resurrect data that was
// invalidated while it was being loaded.
package cache

import (
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
)

// Local is a bounded in-process cache with race-free invalidation.
//
// The classic stale-fill race: a reader loads a value, a writer changes the
// database and invalidates the key, then the reader stores what it loaded
// before the change, which lives on until it expires. Local prevents it
// with an invalidation counter: Fill reads the counter before loading and,
// after storing, drops its value again if any invalidation happened in
// between. Invalidations bump the counter before deleting, so every
// interleaving ends with the stale value gone.
type Local[K comparable, V any] struct {
	c             *otter.Cache[K, V]
	invalidations atomic.Uint64
}

// NewLocal returns a cache of at most size entries, each kept for ttl.
func NewLocal[K comparable, V any](size int, ttl time.Duration) *Local[K, V] {
	return &Local[K, V]{c: otter.Must(&otter.Options[K, V]{
		MaximumSize:      size,
		ExpiryCalculator: otter.ExpiryWriting[K, V](ttl),
	})}
}

// Get returns the cached value of k.
func (l *Local[K, V]) Get(k K) (V, bool) { return l.c.GetIfPresent(k) }

// Fill loads k's value, caches it unless it was invalidated meanwhile, and
// returns it.
func (l *Local[K, V]) Fill(k K, load func() (V, error)) (V, error) {
	before := l.invalidations.Load()
	v, err := load()
	if err != nil {
		return v, err
	}
	l.c.Set(k, v)
	if l.invalidations.Load() != before {
		l.c.Invalidate(k)
	}
	return v, nil
}

// Epoch returns the invalidation counter, for fills that load first and
// store later (through StoreIfCurrent).
func (l *Local[K, V]) Epoch() uint64 { return l.invalidations.Load() }

// StoreIfCurrent caches v, loaded after epoch was read, unless an
// invalidation happened since.
func (l *Local[K, V]) StoreIfCurrent(k K, v V, epoch uint64) {
	l.c.Set(k, v)
	if l.invalidations.Load() != epoch {
		l.c.Invalidate(k)
	}
}

// Invalidate drops the given keys.
func (l *Local[K, V]) Invalidate(keys ...K) {
	l.invalidations.Add(1)
	for _, k := range keys {
		l.c.Invalidate(k)
	}
}

// InvalidateIf drops every entry that match reports true for. It walks the
// whole cache: meant for rare, broad invalidations.
func (l *Local[K, V]) InvalidateIf(match func(K, V) bool) {
	l.invalidations.Add(1)
	for k, v := range l.c.All() {
		if match(k, v) {
			l.c.Invalidate(k)
		}
	}
}

// InvalidateAll empties the cache.
func (l *Local[K, V]) InvalidateAll() {
	l.invalidations.Add(1)
	l.c.InvalidateAll()
}
