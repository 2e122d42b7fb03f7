package redis

import (
	"context"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/velro-ai/velro/auth"
)

// Limiter is an auth.Limiter whose counts all instances share. Each
// operation is one Lua script, so a reservation under several buckets is
// atomic; the buckets of one scope share a hash tag, so in a cluster the
// script touches one slot.
type Limiter struct{ client *Client }

var _ auth.Limiter = (*Limiter)(nil)

// NewLimiter returns a limiter keeping its counts in Redis.
func NewLimiter(client *Client) *Limiter { return &Limiter{client: client} }

// keys names the buckets' counters: limit:{scope}:key.
func (l *Limiter) keys(scope string, buckets []auth.Bucket) []string {
	if scope == "" {
		scope = "-" // an empty tag would hash each whole key apart
	}
	keys := make([]string, len(buckets))
	for i, b := range buckets {
		keys[i] = l.client.Key("limit:{" + scope + "}:" + b.Key)
	}
	return keys
}

// reserveScript takes one attempt from every bucket, or none when one is
// spent; it returns 0 or the milliseconds until the latest spent bucket
// refills. ARGV holds each bucket's limit and window (ms).
var reserveScript = goredis.NewScript(`
local wait = 0
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[2*i-1]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then
      ttl = tonumber(ARGV[2*i])
      redis.call('PEXPIRE', key, ttl)
    end
    wait = math.max(wait, ttl)
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('INCR', key)
  redis.call('PEXPIRE', key, ARGV[2*i], 'NX')
end
return 0
`)

// releaseScript gives one attempt back to every bucket that has taken one.
var releaseScript = goredis.NewScript(`
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 0
`)

// Reserve implements auth.Limiter. Past the call timeout the service counts on
// the instance's own limits alone.
func (l *Limiter) Reserve(ctx context.Context, scope string, buckets ...auth.Bucket) (time.Duration, error) {
	ctx, cancel := l.client.bounded(ctx)
	defer cancel()
	args := make([]any, 0, 2*len(buckets))
	for _, b := range buckets {
		args = append(args, b.Limit, strconv.FormatInt(b.Window.Milliseconds(), 10))
	}
	ms, err := reserveScript.Run(ctx, l.client.rdb, l.keys(scope, buckets), args...).Int64()
	return time.Duration(ms) * time.Millisecond, err
}

// Release implements auth.Limiter.
func (l *Limiter) Release(ctx context.Context, scope string, buckets ...auth.Bucket) error {
	ctx, cancel := l.client.bounded(ctx)
	defer cancel()
	return releaseScript.Run(ctx, l.client.rdb, l.keys(scope, buckets)).Err()
}

// Reset implements auth.Limiter.
func (l *Limiter) Reset(ctx context.Context, scope string, buckets ...auth.Bucket) error {
	ctx, cancel := l.client.bounded(ctx)
	defer cancel()
	return l.client.rdb.Del(ctx, l.keys(scope, buckets)...).Err()
}
