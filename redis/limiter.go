package redis

import (
	"context"
	"errors"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/velro-ai/velro/auth"
)

// Limiter is an auth.Limiter whose fixed-window counts all instances share.
type Limiter struct {
	client *Client
	name   string
	limit  int64
	period time.Duration
}

var _ auth.Limiter = (*Limiter)(nil)

// NewLimiter allows limit failures per period; name keeps limiters apart.
func NewLimiter(client *Client, name string, limit int, period time.Duration) *Limiter {
	return &Limiter{client: client, name: name, limit: int64(limit), period: period}
}

func (l *Limiter) key(key string) string { return l.client.Key("limit:" + l.name + ":" + key) }

// callTimeout bounds each call: a login must not wait long on a Redis that
// is down (the service then lets the attempt through).
const callTimeout = 250 * time.Millisecond

// Wait implements auth.Limiter.
func (l *Limiter) Wait(ctx context.Context, key string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	k := l.key(key)
	pipe := l.client.rdb.Pipeline()
	count := pipe.Get(ctx, k)
	ttl := pipe.PTTL(ctx, k)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, goredis.Nil) {
		return 0, err
	}
	n, err := count.Int64()
	if errors.Is(err, goredis.Nil) || n < l.limit {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	return max(time.Second, ttl.Val()), nil
}

// Fail implements auth.Limiter. The window starts at the first failure.
func (l *Limiter) Fail(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	k := l.key(key)
	pipe := l.client.rdb.TxPipeline()
	pipe.Incr(ctx, k)
	pipe.ExpireNX(ctx, k, l.period)
	_, err := pipe.Exec(ctx)
	return err
}

// Reset implements auth.Limiter.
func (l *Limiter) Reset(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return l.client.rdb.Del(ctx, l.key(key)).Err()
}
