package auth

import (
	"context"
	"log/slog"
	"slices"

	"github.com/velro-ai/velro"
)

// Throttle reserves attempts in this instance's memory first and then,
// when instances share counts (Redis), in the shared limiter. The local
// count holds each instance to the limits even when the shared limiter
// cannot answer in time (Redis down, or slow under the very flood it is to
// stop), and attempts refused locally never reach Redis. Logins,
// password resets, registrations, invitations and member additions are
// throttled by it.
type Throttle struct {
	local  *MemoryLimiter
	shared Limiter // nil: this instance counts alone
	log    *slog.Logger
}

// NewThrottle returns a throttle that shares its counts through shared
// (nil: this instance counts alone) and logs to log (nil: nowhere).
func NewThrottle(shared Limiter, log *slog.Logger) *Throttle {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Throttle{local: NewMemoryLimiter(), shared: shared, log: log}
}

// Reservation is one attempt taken from a client's buckets, to be given
// back or cleared when its outcome is known. A nil Reservation (no bucket
// had a limit) takes nothing and gives nothing back.
type Reservation struct {
	t       *Throttle
	client  string
	buckets []Bucket
	shared  bool // the shared limiter took it too
}

// Reserve takes an attempt from the client's buckets that have a limit, or
// returns ERATELIMIT with message when one of them is spent. client is the
// scope the buckets are counted in (an address, "user <id>", ...).
func (t *Throttle) Reserve(ctx context.Context, client, message string, buckets ...Bucket) (*Reservation, error) {
	buckets = slices.DeleteFunc(buckets, func(b Bucket) bool { return b.Limit <= 0 })
	if len(buckets) == 0 {
		return nil, nil
	}
	r := &Reservation{t: t, client: client, buckets: buckets}
	wait, _ := t.local.Reserve(ctx, client, buckets...) // never fails
	if wait == 0 && t.shared != nil {
		var err error
		switch wait, err = t.shared.Reserve(ctx, client, buckets...); {
		case err != nil:
			t.log.WarnContext(ctx, "shared limiter unavailable; this instance throttles alone", "error", err)
		case wait > 0:
			t.local.Release(ctx, client, buckets...)
		default:
			r.shared = true
		}
	}
	if wait > 0 {
		return nil, &velro.Error{Code: velro.ERATELIMIT, Message: message, RetryAfter: wait}
	}
	return r, nil
}

// Release gives the attempt back to those of buckets it was taken from
// (all of them when none is named): it did not count.
func (r *Reservation) Release(ctx context.Context, buckets ...Bucket) {
	r.apply(ctx, Limiter.Release, buckets)
}

// Reset empties those of buckets the attempt was taken from.
func (r *Reservation) Reset(ctx context.Context, buckets ...Bucket) {
	r.apply(ctx, Limiter.Reset, buckets)
}

func (r *Reservation) apply(ctx context.Context, op func(Limiter, context.Context, string, ...Bucket) error, buckets []Bucket) {
	if r == nil {
		return
	}
	if len(buckets) == 0 {
		buckets = r.buckets
	}
	buckets = slices.DeleteFunc(slices.Clone(buckets), func(b Bucket) bool { return !slices.Contains(r.buckets, b) })
	if len(buckets) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx) // the outcome is known: record it
	op(r.t.local, ctx, r.client, buckets...)
	if r.shared {
		if err := op(r.t.shared, ctx, r.client, buckets...); err != nil {
			r.t.log.WarnContext(ctx, "shared limiter unavailable", "error", err)
		}
	}
}
