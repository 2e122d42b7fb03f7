package auth

import (
	"context"
	"time"

	"github.com/maypok86/otter/v2"
)

// Limiter counts failures per key in fixed windows. The memory limiter
// serves a single instance; the redis package shares counts between
// instances.
type Limiter interface {
	// Wait returns how long key must wait before its next attempt; zero
	// means go ahead.
	Wait(ctx context.Context, key string) (time.Duration, error)
	// Fail records a failed attempt for key.
	Fail(ctx context.Context, key string) error
	// Reset forgets key's failures.
	Reset(ctx context.Context, key string) error
}

// LoginLimits says how many failed logins are tolerated per window.
type LoginLimits struct {
	// PerAccountClient bounds failures on one account from one client
	// address. Keyed by the pair, so a stranger cannot lock the owner out.
	PerAccountClient int
	// PerClient bounds failures from one client address on any accounts.
	PerClient int
	Window    time.Duration
}

// DefaultLoginLimits: 10 failures per account and client, 50 per client,
// per 15 minutes.
var DefaultLoginLimits = LoginLimits{PerAccountClient: 10, PerClient: 50, Window: 15 * time.Minute}

// window is one key's failure count in its current window.
type window struct {
	start time.Time
	count int
}

// MemoryLimiter is an in-process Limiter, bounded in size so a flood of
// distinct keys cannot exhaust memory.
type MemoryLimiter struct {
	limit  int
	period time.Duration
	counts *otter.Cache[string, window]
	now    func() time.Time
}

// NewMemoryLimiter allows limit failures per period.
func NewMemoryLimiter(limit int, period time.Duration) *MemoryLimiter {
	return &MemoryLimiter{
		limit:  limit,
		period: period,
		counts: otter.Must(&otter.Options[string, window]{
			MaximumSize:      100_000,
			ExpiryCalculator: otter.ExpiryWriting[string, window](period),
		}),
		now: time.Now,
	}
}

// Wait implements Limiter.
func (l *MemoryLimiter) Wait(_ context.Context, key string) (time.Duration, error) {
	w, ok := l.counts.GetIfPresent(key)
	if !ok || w.count < l.limit {
		return 0, nil
	}
	return max(0, w.start.Add(l.period).Sub(l.now())), nil
}

// Fail implements Limiter.
func (l *MemoryLimiter) Fail(_ context.Context, key string) error {
	now := l.now()
	l.counts.Compute(key, func(w window, found bool) (window, otter.ComputeOp) {
		if !found || now.Sub(w.start) >= l.period {
			return window{start: now, count: 1}, otter.WriteOp
		}
		w.count++
		return w, otter.WriteOp
	})
	return nil
}

// Reset implements Limiter.
func (l *MemoryLimiter) Reset(_ context.Context, key string) error {
	l.counts.Invalidate(key)
	return nil
}
