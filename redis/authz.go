package redis

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
)

// AuthzCache is the authorization engine's L2.
//
// Entries live in one hash per scope (project, team or lone generation), so
// invalidating a scope is one DEL. Each scope has a version, bumped by every
// invalidation; a fill must present the version it read before computing,
// or it is dropped (a decision computed before a write never lands after
// it). Every scope key carries the generation, bumped by Flush: old keys
// become unreachable and expire on their own.
//
// It works on a Redis Cluster: a scope's version and hash share a hash tag
// ({<gen>:<scope>}), so each script touches one slot. The generation key
// lives elsewhere, so it cannot be read in the same script: a lookup reads
// it in the same pipeline as the scope, under the generation it last saw,
// and reads again under the new one if that was flushed meanwhile. The
// version token names the generation read under: a fill whose generation
// was flushed meanwhile lands in old, unreachable keys. An invalidation
// likewise targets the last seen generation and, if a flush came between,
// the current one too; any fill in a generation it missed started after
// that flush, so after the write.
//
// A generation's scope is not known before its first lookup, so a pointer
// from generation to scope is kept; the first fill of a generation writes
// only the pointer, later fills the entry. The pointer is a hint: a wrong
// one (a generation whose project was deleted) names a scope whose version
// no fill for that generation can present, so it costs a miss, and the
// next fill corrects it.
type AuthzCache struct {
	client *Client
	ttl    time.Duration
	gen    atomic.Pointer[string] // the generation last read
}

var _ authz.L2 = (*AuthzCache)(nil)

// NewAuthzCache keeps entries for ttl: a scope's hash expires ttl after its
// first entry was written.
func NewAuthzCache(client *Client, ttl time.Duration) *AuthzCache {
	c := &AuthzCache{client: client, ttl: ttl}
	c.gen.Store(new("0"))
	return c
}

// Keys, under <prefix>authz:
//
//	gen                    the generation
//	{<gen>:<scope>}:v      the scope's version
//	{<gen>:<scope>}:s      the scope's entries: field <user>:<kind>:<id>
//	gs:<generation>        the scope of a generation
//
// Version tokens are <gen>/<scope>/<version>; <gen>/-/ when a generation's
// scope is not known yet.
func (c *AuthzCache) genKey() string              { return c.client.Key("authz:gen") }
func (c *AuthzCache) pointerKey(id string) string { return c.client.Key("authz:gs:" + id) }
func (c *AuthzCache) scopeKeys(gen, scope string) []string {
	tagged := c.client.Key("authz:{" + gen + ":" + scope + "}")
	return []string{tagged + ":v", tagged + ":s"}
}

// putScript fills an entry if the scope's version is still the one the
// filler read.
var putScript = goredis.NewScript(`
local version, field, value, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if (redis.call('GET', KEYS[1]) or '0') ~= version then return 0 end
redis.call('HSET', KEYS[2], field, value)
redis.call('PEXPIRE', KEYS[2], ttl, 'NX')
return 1`)

// getScript reads a scope's version and one of its entries at once.
var getScript = goredis.NewScript(`
return {redis.call('GET', KEYS[1]) or '0', redis.call('HGET', KEYS[2], ARGV[1])}`)

// invalidateScript bumps a scope's version and drops its entries.
var invalidateScript = goredis.NewScript(`
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], 86400)
redis.call('DEL', KEYS[2])
return 1`)

// Pipelined scripts are sent as text (EVAL), which Redis caches like a
// loaded script: a pipeline cannot fall back from EVALSHA when a node does
// not know the script yet.

// firstError returns the first error of cmds, a missing key (goredis.Nil)
// being none.
func firstError(cmds ...goredis.Cmder) error {
	for _, c := range cmds {
		if err := c.Err(); err != nil && !errors.Is(err, goredis.Nil) {
			return err
		}
	}
	return nil
}

// seenGen notes the generation a pipeline read and says whether it is the
// one the pipeline assumed.
func (c *AuthzCache) seenGen(cmd *goredis.StringCmd, assumed string) (string, bool) {
	gen := cmp.Or(cmd.Val(), "0")
	c.gen.Store(&gen)
	return gen, gen == assumed
}

var kindCode = map[velro.Kind]string{velro.KindProject: "p", velro.KindGeneration: "g", velro.KindTeam: "t", velro.KindUpload: "u"}

// indirect kinds have a scope other than themselves when in a project:
// their scope is found through a pointer.
func indirect(k velro.Kind) bool { return k == velro.KindGeneration || k == velro.KindUpload }

// field names an entry within its scope's hash; UUIDs are fixed-width, so
// the name is unambiguous.
func field(k authz.Key) string {
	return k.User.String() + ":" + kindCode[k.Kind] + ":" + k.ID.String()
}

// Get implements authz.L2. A project or team is its own scope: one round
// trip reads the generation and, under the generation last seen, the
// scope. A generation's or upload's scope comes from its pointer first.
func (c *AuthzCache) Get(ctx context.Context, k authz.Key) (authz.Entry, bool, string, error) {
	ctx, cancel := c.client.bounded(ctx)
	defer cancel()
	rdb, fld := c.client.rdb, field(k)
	gen := *c.gen.Load()
	pipe := rdb.Pipeline()
	genCmd := pipe.Get(ctx, c.genKey())
	scope, scopeCmd := k.ID.String(), (*goredis.StringCmd)(nil)
	var read *goredis.Cmd
	if indirect(k.Kind) {
		scopeCmd = pipe.Get(ctx, c.pointerKey(scope))
	} else {
		read = getScript.Eval(ctx, pipe, c.scopeKeys(gen, scope), fld)
	}
	cmds, _ := pipe.Exec(ctx)
	if err := firstError(cmds...); err != nil {
		return authz.Entry{}, false, "", err
	}
	gen, current := c.seenGen(genCmd, gen)
	if scopeCmd != nil {
		if scope = scopeCmd.Val(); scope == "" {
			return authz.Entry{}, false, gen + "/-/", nil
		}
	}
	if read == nil || !current {
		if read = getScript.Run(ctx, rdb, c.scopeKeys(gen, scope), fld); firstError(read) != nil {
			return authz.Entry{}, false, "", read.Err()
		}
	}
	res, err := read.Slice()
	if err != nil || len(res) != 2 {
		return authz.Entry{}, false, "", fmt.Errorf("authz cache read: %v %w", res, err)
	}
	ver, _ := res[0].(string)
	token := gen + "/" + scope + "/" + ver
	raw, _ := res[1].(string)
	e, err := decodeEntry(raw)
	if err != nil { // absent (nil) or unreadable: a miss
		return authz.Entry{}, false, token, nil
	}
	return e, true, token, nil
}

// Put implements authz.L2.
func (c *AuthzCache) Put(ctx context.Context, k authz.Key, e authz.Entry, version string) error {
	ctx, cancel := c.client.bounded(ctx)
	defer cancel()
	scope := e.Scope.String()
	if indirect(k.Kind) {
		if err := c.client.rdb.Set(ctx, c.pointerKey(k.ID.String()), scope, c.ttl).Err(); err != nil {
			return err
		}
	}
	parts := strings.SplitN(version, "/", 3)
	if len(parts) != 3 || parts[1] != scope {
		return nil // read for another scope (or none): dropped
	}
	return putScript.Run(ctx, c.client.rdb, c.scopeKeys(parts[0], scope), parts[2], field(k), encodeEntry(e), c.ttl.Milliseconds()).Err()
}

// Invalidate implements authz.L2: one script per scope, on the scope's
// slot, all in one pipeline (go-redis sends a cluster's to each node at
// once).
func (c *AuthzCache) Invalidate(ctx context.Context, scopes []uuid.UUID) error {
	if len(scopes) == 0 {
		return nil
	}
	ctx, cancel := c.client.bounded(ctx)
	defer cancel()
	invalidate := func(pipe goredis.Pipeliner, gen string) {
		for _, s := range scopes {
			invalidateScript.Eval(ctx, pipe, c.scopeKeys(gen, s.String()))
		}
	}
	gen := *c.gen.Load()
	pipe := c.client.rdb.Pipeline()
	genCmd := pipe.Get(ctx, c.genKey())
	invalidate(pipe, gen)
	cmds, _ := pipe.Exec(ctx)
	if err := firstError(cmds...); err != nil {
		return err
	}
	if gen, current := c.seenGen(genCmd, gen); !current {
		pipe := c.client.rdb.Pipeline()
		invalidate(pipe, gen)
		cmds, _ := pipe.Exec(ctx)
		return firstError(cmds...)
	}
	return nil
}

// Flush implements authz.L2: a new generation makes every old key
// unreachable; they expire on their own.
func (c *AuthzCache) Flush(ctx context.Context) error {
	ctx, cancel := c.client.bounded(ctx)
	defer cancel()
	return c.client.rdb.Incr(ctx, c.genKey()).Err()
}

func encodeEntry(e authz.Entry) string {
	exists := 0
	if e.Exists {
		exists = 1
	}
	return strconv.Itoa(int(e.Access.Role)) + ":" + strconv.Itoa(int(e.Access.Method)) + ":" + strconv.Itoa(exists) + ":" + e.Scope.String()
}

func decodeEntry(s string) (authz.Entry, error) {
	var role, method, exists int
	var scope string
	if _, err := fmt.Sscanf(s, "%d:%d:%d:%s", &role, &method, &exists, &scope); err != nil {
		return authz.Entry{}, err
	}
	id, err := uuid.Parse(scope)
	if err != nil {
		return authz.Entry{}, err
	}
	return authz.Entry{Access: velro.Access{Role: velro.Role(role), Method: velro.Method(method)}, Exists: exists == 1, Scope: id}, nil
}
