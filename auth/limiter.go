package auth

import (
	"context"
	"sync"
	"time"

	"github.com/maypok86/otter/v2"
)

// Bucket is one budget an attempt draws from: at most Limit attempts per
// Window under Key. The window starts with its first attempt.
type Bucket struct {
	Key    string
	Limit  int
	Window time.Duration
}

// Limiter throttles attempts (password checks, registrations). It reserves
// an attempt before the attempt is made, under all its buckets at once, so
// parallel attempts cannot overrun a limit: counting after the fact let 200
// parallel guesses through 101 password checks against a limit of 10.
//
// The buckets of one call belong to one client, named by scope: the Redis
// limiter keeps them in one slot of a cluster. The memory limiter serves a
// single instance; the redis package's shares counts between instances.
type Limiter interface {
	// Reserve takes one attempt from every bucket and returns zero or,
	// when any bucket is spent, takes none and returns how long to wait.
	Reserve(ctx context.Context, scope string, buckets ...Bucket) (time.Duration, error)
	// Release gives one attempt back to every bucket: the attempt did not
	// count after all (a login that succeeded, a check that never ran).
	Release(ctx context.Context, scope string, buckets ...Bucket) error
	// Reset empties the buckets.
	Reset(ctx context.Context, scope string, buckets ...Bucket) error
}

// LoginLimits says how many login attempts are tolerated per window.
type LoginLimits struct {
	// PerAccountClient bounds attempts on one account from one client
	// address: strict, and keyed by the pair, so a stranger cannot lock
	// the owner out.
	PerAccountClient int
	// PerClient bounds failed attempts from one client address on any
	// accounts: generous, as one address may be a whole office behind NAT
	// (successful logins give their attempt back).
	PerClient int
	Window    time.Duration
}

// DefaultLoginLimits: 10 attempts per account and client, 50 per client,
// per 15 minutes.
var DefaultLoginLimits = LoginLimits{PerAccountClient: 10, PerClient: 50, Window: 15 * time.Minute}

// window is one bucket's count in its current window.
type window struct {
	end   time.Time
	count int
}

// MemoryLimiter is an in-process Limiter, bounded in size so a flood of
// distinct keys cannot exhaust memory.
type MemoryLimiter struct {
	mu     sync.Mutex // makes a reservation under several buckets atomic
	counts *otter.Cache[string, window]
}

// NewMemoryLimiter returns an empty in-process limiter.
func NewMemoryLimiter() *MemoryLimiter {
	return &MemoryLimiter{counts: otter.Must(&otter.Options[string, window]{
		MaximumSize: 100_000,
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, window]) time.Duration {
			return time.Until(e.Value.end)
		}),
	})}
}

// Scopes hold no NUL, so the key of a bucket in a scope is unambiguous.
func memoryKey(scope string, b Bucket) string { return scope + "\x00" + b.Key }

// current returns the bucket's live window, if it has one.
func (l *MemoryLimiter) current(key string, now time.Time) (window, bool) {
	w, ok := l.counts.GetIfPresent(key)
	return w, ok && now.Before(w.end)
}

// Reserve implements Limiter.
func (l *MemoryLimiter) Reserve(_ context.Context, scope string, buckets ...Bucket) (time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	var wait time.Duration
	for _, b := range buckets {
		if w, ok := l.current(memoryKey(scope, b), now); ok && w.count >= b.Limit {
			wait = max(wait, w.end.Sub(now))
		}
	}
	if wait > 0 {
		return wait, nil
	}
	for _, b := range buckets {
		key := memoryKey(scope, b)
		w, ok := l.current(key, now)
		if !ok {
			w = window{end: now.Add(b.Window)}
		}
		w.count++
		l.counts.Set(key, w)
	}
	return 0, nil
}

// Release implements Limiter.
func (l *MemoryLimiter) Release(_ context.Context, scope string, buckets ...Bucket) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	for _, b := range buckets {
		key := memoryKey(scope, b)
		if w, ok := l.current(key, now); ok && w.count > 0 {
			w.count--
			l.counts.Set(key, w)
		}
	}
	return nil
}

// Reset implements Limiter.
func (l *MemoryLimiter) Reset(_ context.Context, scope string, buckets ...Bucket) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, b := range buckets {
		l.counts.Invalidate(memoryKey(scope, b))
	}
	return nil
}
