package redis

import (
	"context"
	"fmt"
	"strconv"
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
// it). Every key carries a generation, bumped by Flush. A generation's
// scope is not known before its first lookup, so a pointer from generation
// to scope is kept (immutable: a generation never changes project); the
// first fill of a generation writes only the pointer, later fills the
// entry. The scripts build key names, so they need a single Redis, not a
// cluster.
type AuthzCache struct {
	client *Client
	ttl    time.Duration
}

var _ authz.L2 = (*AuthzCache)(nil)

// NewAuthzCache keeps entries for ttl: a scope's hash expires ttl after its
// first entry was written.
func NewAuthzCache(client *Client, ttl time.Duration) *AuthzCache {
	return &AuthzCache{client: client, ttl: ttl}
}

// Keys, under <prefix>authz:
//
//	gen                    the generation
//	<gen>:v:<scope>        the scope's version
//	<gen>:s:<scope>        the scope's entries: field <user>:<kind>:<id>
//	<gen>:gs:<generation>  the scope of a generation
var (
	getScript = goredis.NewScript(`
local base, kind, id, field = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local gen = redis.call('GET', base .. 'gen') or '0'
local scope = id
if kind == 'g' then
  scope = redis.call('GET', base .. gen .. ':gs:' .. id)
  if not scope then return {gen .. '/-/'} end
end
local ver = redis.call('GET', base .. gen .. ':v:' .. scope) or '0'
local val = redis.call('HGET', base .. gen .. ':s:' .. scope, field)
return {gen .. '/' .. scope .. '/' .. ver, val}`)

	putScript = goredis.NewScript(`
local base, token, scope, field, value, ttl, kind, id = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local gen = redis.call('GET', base .. 'gen') or '0'
if kind == 'g' then redis.call('SET', base .. gen .. ':gs:' .. id, scope, 'PX', ttl) end
local ver = redis.call('GET', base .. gen .. ':v:' .. scope) or '0'
if gen .. '/' .. scope .. '/' .. ver ~= token then return 0 end
local key = base .. gen .. ':s:' .. scope
redis.call('HSET', key, field, value)
redis.call('PEXPIRE', key, ttl, 'NX')
return 1`)

	invalidateScript = goredis.NewScript(`
local base = ARGV[1]
local gen = redis.call('GET', base .. 'gen') or '0'
for i = 2, #ARGV do
  local v = base .. gen .. ':v:' .. ARGV[i]
  redis.call('INCR', v)
  redis.call('EXPIRE', v, 86400)
  redis.call('DEL', base .. gen .. ':s:' .. ARGV[i])
end
return 1`)
)

func (c *AuthzCache) base() string { return c.client.Key("authz:") }

var kindCode = map[velro.Kind]string{velro.KindProject: "p", velro.KindGeneration: "g", velro.KindTeam: "t"}

// field names an entry within its scope's hash; UUIDs are fixed-width, so
// the name is unambiguous.
func field(k authz.Key) string {
	return k.User.String() + ":" + kindCode[k.Kind] + ":" + k.ID.String()
}

// Get implements authz.L2.
func (c *AuthzCache) Get(ctx context.Context, k authz.Key) (authz.Entry, bool, string, error) {
	res, err := getScript.Run(ctx, c.client.rdb, nil, c.base(), kindCode[k.Kind], k.ID.String(), field(k)).Slice()
	if err != nil {
		return authz.Entry{}, false, "", err
	}
	token, _ := res[0].(string)
	if len(res) < 2 {
		return authz.Entry{}, false, token, nil
	}
	raw, _ := res[1].(string)
	e, err := decodeEntry(raw)
	if err != nil { // absent (nil) or unreadable: a miss
		return authz.Entry{}, false, token, nil
	}
	return e, true, token, nil
}

// Put implements authz.L2.
func (c *AuthzCache) Put(ctx context.Context, k authz.Key, e authz.Entry, version string) error {
	return putScript.Run(ctx, c.client.rdb, nil, c.base(), version, e.Scope.String(), field(k), encodeEntry(e),
		c.ttl.Milliseconds(), kindCode[k.Kind], k.ID.String()).Err()
}

// Invalidate implements authz.L2.
func (c *AuthzCache) Invalidate(ctx context.Context, scopes []uuid.UUID) error {
	args := make([]any, 0, len(scopes)+1)
	args = append(args, c.base())
	for _, s := range scopes {
		args = append(args, s.String())
	}
	return invalidateScript.Run(ctx, c.client.rdb, nil, args...).Err()
}

// Flush implements authz.L2: a new generation makes every old key
// unreachable; they expire on their own.
func (c *AuthzCache) Flush(ctx context.Context) error {
	return c.client.rdb.Incr(ctx, c.base()+"gen").Err()
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
