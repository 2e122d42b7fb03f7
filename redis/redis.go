// Package redis connects Velro instances through Redis (one server or a
// Redis Cluster): the bus that carries cache invalidations between them,
// login throttling counts they share, and (in the authz package's terms)
// the L2 cache store.
package redis

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// go-redis writes lines of its own (a refused dial, say) straight to the
// process's stderr, beside the errors Velro reports itself, once, in its
// own log: they go to slog's default logger, at debug level, instead.
func init() { goredis.SetLogger(debugLog{}) }

type debugLog struct{}

func (debugLog) Printf(ctx context.Context, format string, v ...any) {
	slog.DebugContext(ctx, "go-redis: "+fmt.Sprintf(format, v...))
}

// DefaultPrefix starts every key and channel Velro uses.
const DefaultPrefix = "velro:"

// Client is a Redis connection with Velro's key prefix.
type Client struct {
	rdb          goredis.UniversalClient
	prefix       string
	callTimeout  time.Duration
	stalledUntil atomic.Int64 // unix ns; see stall.go
}

// Options say how to reach Redis: one server or a cluster.
type Options struct {
	single  *goredis.Options
	cluster *goredis.ClusterOptions

	// CallTimeout bounds each Redis call a request waits on;
	// 0 means DefaultCallTimeout.
	CallTimeout time.Duration
}

// ParseURL checks a REDIS_URL: redis://host:port/db (rediss:// for TLS)
// names one server; redis+cluster://host:port?addr=host2:port&addr=...
// (rediss+cluster:// for TLS) names a cluster by one or more of its nodes.
func ParseURL(redisURL string) (*Options, error) {
	scheme, rest, _ := strings.Cut(redisURL, "://")
	if plain, ok := strings.CutSuffix(scheme, "+cluster"); ok {
		if u, err := url.Parse(plain + "://" + rest); err == nil && strings.Trim(u.Path, "/") != "" && strings.Trim(u.Path, "/") != "0" {
			return nil, errors.New("a cluster has only database 0")
		}
		o, err := goredis.ParseClusterURL(plain + "://" + rest)
		if err != nil {
			return nil, err
		}
		failFast(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout, &o.MaxRetries, &o.ContextTimeoutEnabled)
		return &Options{cluster: o}, nil
	}
	o, err := goredis.ParseURL(redisURL)
	if err != nil {
		return nil, err
	}
	failFast(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout, &o.MaxRetries, &o.ContextTimeoutEnabled)
	return &Options{single: o}, nil
}

// DefaultCallTimeout bounds each Redis call a request waits on (publish,
// L2 reads and writes, the limiter): a Redis that stalls (connection open,
// nothing flows) never errors, so past this it counts as down and the
// caller falls back (to the database, to the instance's own limits); the
// calls after it fail at once (stall.go), so a stall costs one request
// this much, not each. A healthy round trip takes a millisecond; this
// leaves room for a busy one and for a first call that dials.
const DefaultCallTimeout = 300 * time.Millisecond

// bounded is ctx limited to the call timeout.
func (c *Client) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.callTimeout)
}

// failFast sets the timeouts of either kind of options: rather than queue
// requests behind a dead server, fail, and callers degrade (skip L2, allow
// logins) when Redis cannot answer. Callers' deadlines bound socket waits.
func failFast(dial, read, write, pool *time.Duration, retries *int, contextTimeouts *bool) {
	*dial, *read, *write, *pool = 2*time.Second, time.Second, time.Second, time.Second
	*retries, *contextTimeouts = 1, true
}

// addrs names the server or the cluster's seed nodes, for messages.
func (o *Options) addrs() string {
	if o.cluster != nil {
		return "cluster " + strings.Join(o.cluster.Addrs, ",")
	}
	return o.single.Addr
}

// Open connects and checks that the server answers. prefix namespaces keys
// and channels (DefaultPrefix when empty), so deployments or tests can share
// a server.
func Open(ctx context.Context, opts *Options, prefix string) (*Client, error) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	c := &Client{prefix: prefix, callTimeout: cmp.Or(opts.CallTimeout, DefaultCallTimeout)}
	if opts.cluster != nil {
		c.rdb = goredis.NewClusterClient(opts.cluster)
	} else {
		c.rdb = goredis.NewClient(opts.single)
	}
	c.rdb.AddHook(stallHook{c})
	if err := c.Ping(ctx); err != nil {
		c.rdb.Close()
		return nil, fmt.Errorf("connect to redis at %s: %w", opts.addrs(), err)
	}
	return c, nil
}

// Ping checks that Redis answers.
func (c *Client) Ping(ctx context.Context) error {
	return c.rdb.Ping(ctx).Err()
}

// Close disconnects.
func (c *Client) Close() error { return c.rdb.Close() }

// Redis is the underlying go-redis client: a *goredis.Client, or a
// *goredis.ClusterClient for a cluster.
func (c *Client) Redis() goredis.UniversalClient { return c.rdb }

// Key returns the prefixed name of key.
func (c *Client) Key(key string) string { return c.prefix + key }
