// Package redis connects Velro instances through Redis: the bus that carries
// cache invalidations between them, login throttling counts they share, and
// (in the authz package's terms) the L2 cache store.
package redis

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// DefaultPrefix starts every key and channel Velro uses.
const DefaultPrefix = "velro:"

// Client is a Redis connection with Velro's key prefix.
type Client struct {
	rdb    *goredis.Client
	prefix string
}

// ParseURL checks a REDIS_URL.
func ParseURL(redisURL string) (*goredis.Options, error) {
	opts, err := goredis.ParseURL(redisURL)
	if err != nil {
		return nil, err
	}
	// Fail fast rather than queue requests behind a dead server: callers
	// degrade (skip L2, allow logins) when Redis cannot answer.
	opts.DialTimeout = 2 * time.Second
	opts.ReadTimeout = time.Second
	opts.WriteTimeout = time.Second
	opts.PoolTimeout = time.Second
	opts.MaxRetries = 1
	opts.ContextTimeoutEnabled = true // callers' deadlines bound socket waits
	return opts, nil
}

// Open connects and checks that the server answers. prefix namespaces keys
// and channels (DefaultPrefix when empty), so deployments or tests can share
// a server.
func Open(ctx context.Context, opts *goredis.Options, prefix string) (*Client, error) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	c := &Client{rdb: goredis.NewClient(opts), prefix: prefix}
	if err := c.Ping(ctx); err != nil {
		c.rdb.Close()
		return nil, fmt.Errorf("connect to redis at %s: %w", opts.Addr, err)
	}
	return c, nil
}

// Ping checks that Redis answers.
func (c *Client) Ping(ctx context.Context) error {
	return c.rdb.Ping(ctx).Err()
}

// Close disconnects.
func (c *Client) Close() error { return c.rdb.Close() }

// Redis is the underlying go-redis client.
func (c *Client) Redis() *goredis.Client { return c.rdb }

// Key returns the prefixed name of key.
func (c *Client) Key(key string) string { return c.prefix + key }
