package auth

import (
	"context"
	"log/slog"
	"slices"

	"github.com/velro-ai/velro"
)

// throttle reserves attempts in this instance's memory first and then,
// when instances share counts (Redis), in the shared limiter. The local
// count holds each instance to the limits even when the shared limiter
// cannot answer in time (Redis down, or slow under the very flood it is to
// stop), and attempts refused locally never reach Redis.
type throttle struct {
	local  *MemoryLimiter
	shared Limiter // nil: this instance counts alone
	log    *slog.Logger
}

// reservation is one attempt taken from a client's buckets, to be given
// back or cleared when its outcome is known. A nil reservation (no bucket
// had a limit) takes nothing and gives nothing back.
type reservation struct {
	t       *throttle
	client  string
	buckets []Bucket
	shared  bool // the shared limiter took it too
}

// reserve takes an attempt from the client's buckets that have a limit, or
// returns ERATELIMIT with message when one of them is spent.
func (t *throttle) reserve(ctx context.Context, client, message string, buckets ...Bucket) (*reservation, error) {
	buckets = slices.DeleteFunc(buckets, func(b Bucket) bool { return b.Limit <= 0 })
	if len(buckets) == 0 {
		return nil, nil
	}
	r := &reservation{t: t, client: client, buckets: buckets}
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

// release gives the attempt back to those of buckets it was taken from:
// it did not count.
func (r *reservation) release(ctx context.Context, buckets ...Bucket) {
	r.apply(ctx, Limiter.Release, buckets)
}

// reset empties those of buckets the attempt was taken from.
func (r *reservation) reset(ctx context.Context, buckets ...Bucket) {
	r.apply(ctx, Limiter.Reset, buckets)
}

func (r *reservation) apply(ctx context.Context, op func(Limiter, context.Context, string, ...Bucket) error, buckets []Bucket) {
	if r == nil {
		return
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
