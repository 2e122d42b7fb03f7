// Package authz is Velro's authorization engine: one entry point, Check,
// that applies the rules of the root package to facts from the database,
// behind three cache layers:
//
//   - L1, in process (otter), keyed by a struct, never by a string;
//   - L2, shared between instances (Redis, when configured);
//   - L3, the effective-access table, maintained by the database writes
//     themselves, so a lookup there is always current.
//
// Every write that changes access goes through guard.Store, which calls
// Invalidate before the write returns; Invalidate drops the affected
// entries in L1 and L2 and tells the other instances over the bus. Fills
// are guarded so a decision computed before a write can never be cached
// after it.
package authz

import (
	"context"
	"encoding/binary"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/cache"
	"golang.org/x/sync/singleflight"
)

// Key names one cached decision: a user and a resource. It is a struct so
// two different inputs can never share an entry.
type Key struct {
	User uuid.UUID
	Kind velro.Kind
	ID   uuid.UUID
}

// Entry is a cached decision.
type Entry struct {
	Access velro.Access
	Exists bool
	// Scope is what invalidates the entry (see velro.AccessFacts.Scope).
	Scope uuid.UUID
}

// Layer says which layer answered a check.
type Layer uint8

const (
	LayerMiss Layer = iota // computed from the base tables (caching off)
	LayerL1
	LayerL2
	LayerL3
)

var layerNames = [...]string{"miss", "l1", "l2", "l3"}

func (l Layer) String() string { return layerNames[l] }

// Decision is the answer to a check.
type Decision struct {
	Entry
	Layer Layer
}

// Visible reports whether the caller may know the resource exists.
func (d Decision) Visible() bool { return d.Exists && d.Access.Role != velro.RoleNone }

// Allows reports whether the caller may perform the action.
func (d Decision) Allows(a velro.Action) bool { return d.Visible() && d.Access.Role.Can(a) }

// L2 is a cache shared between instances. Get returns a version token that
// Put must present, so a fill that raced an invalidation is dropped.
type L2 interface {
	Get(ctx context.Context, k Key) (e Entry, found bool, version string, err error)
	Put(ctx context.Context, k Key, e Entry, version string) error
	// Invalidate drops every entry of the scopes.
	Invalidate(ctx context.Context, scopes []uuid.UUID) error
	// Flush drops every entry.
	Flush(ctx context.Context) error
}

// Config configures an Engine.
type Config struct {
	Store velro.AccessStore
	Bus   velro.Bus
	// L2 is nil without Redis.
	L2 L2
	// Disabled turns every cache layer off: each check reads the base
	// tables (VELRO_AUTHZ_CACHE=off, for debugging).
	Disabled bool
	L1Size   int           // default 100,000 entries
	L1TTL    time.Duration // default 60 s
	Log      *slog.Logger
	// Observer times every check (velro.OpAuthorizationCheck); nil: off.
	Observer velro.Observer
}

// Engine answers authorization checks.
type Engine struct {
	store    velro.AccessStore
	bus      velro.Bus
	l1       *cache.Local[Key, Entry]
	l2       L2
	disabled bool
	flight   singleflight.Group
	log      *slog.Logger
	observer velro.Observer
	stats    counters
	// l2Unsafe: an invalidation could not reach L2, which may now hold a
	// revoked grant; L2 is skipped until it is flushed.
	l2Unsafe atomic.Bool
}

// New returns an engine subscribed to the bus's invalidations.
func New(cfg Config) *Engine {
	if cfg.L1Size <= 0 {
		cfg.L1Size = 100_000
	}
	if cfg.L1TTL <= 0 {
		cfg.L1TTL = time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{store: cfg.Store, bus: cfg.Bus, l1: cache.NewLocal[Key, Entry](cfg.L1Size, cfg.L1TTL),
		l2: cfg.L2, disabled: cfg.Disabled, log: cfg.Log, observer: cfg.Observer}
	cfg.Bus.Subscribe(e.apply)
	return e
}

// Check decides what user may do with a resource. The warm path is one L1
// lookup and allocates nothing.
func (e *Engine) Check(ctx context.Context, user uuid.UUID, kind velro.Kind, id uuid.UUID) (Decision, error) {
	if e.observer == nil {
		return e.check(ctx, Key{User: user, Kind: kind, ID: id})
	}
	start := time.Now()
	d, err := e.check(ctx, Key{User: user, Kind: kind, ID: id})
	e.observer.Observe(velro.OpAuthorizationCheck, time.Since(start))
	return d, err
}

func (e *Engine) check(ctx context.Context, key Key) (Decision, error) {
	// While the bus is down, changes made on other instances cannot reach
	// L1: skip it rather than risk a revoked grant.
	if !e.disabled && e.bus.Connected() {
		if entry, ok := e.l1.Get(key); ok {
			e.stats.hit(LayerL1)
			return Decision{Entry: entry, Layer: LayerL1}, nil
		}
	}
	return e.checkSlow(ctx, key)
}

func (e *Engine) checkSlow(ctx context.Context, key Key) (Decision, error) {
	if e.disabled {
		entry, err := e.compute(ctx, key, e.store.BaseAccessFacts)
		e.stats.hit(LayerMiss)
		return Decision{Entry: entry, Layer: LayerMiss}, err
	}
	e.stats.miss(LayerL1)
	// A stampede of one check costs one lookup. The key carries the
	// invalidation epoch: a check made after a write never joins a load
	// that began before it.
	v, err, _ := e.flight.Do(flightKey(key, e.l1.Epoch()), func() (any, error) {
		d, err := e.load(context.WithoutCancel(ctx), key)
		return d, err
	})
	if err != nil {
		return Decision{}, err
	}
	return v.(Decision), nil
}

// flightKey is the singleflight name of a key at an invalidation epoch:
// fixed-width binary, so unambiguous.
func flightKey(k Key, epoch uint64) string {
	var buf [41]byte
	copy(buf[:16], k.User[:])
	buf[16] = byte(k.Kind)
	copy(buf[17:33], k.ID[:])
	binary.BigEndian.PutUint64(buf[33:], epoch)
	return string(buf[:])
}

// load reads L2, then L3, and fills the layers above the one that answered.
func (e *Engine) load(ctx context.Context, key Key) (Decision, error) {
	trusted := e.bus.Connected()
	epoch := e.l1.Epoch()
	var version string
	if e.l2 != nil && trusted && !e.l2Unsafe.Load() {
		entry, found, v, err := e.l2.Get(ctx, key)
		switch {
		case err != nil:
			e.stats.l2Errors.Add(1)
			e.log.WarnContext(ctx, "authz L2 unavailable", "error", err)
		case found:
			e.stats.hit(LayerL2)
			e.l1.StoreIfCurrent(key, entry, epoch)
			return Decision{Entry: entry, Layer: LayerL2}, nil
		default:
			e.stats.miss(LayerL2)
			version = v
		}
	}
	entry, err := e.compute(ctx, key, e.store.AccessFacts)
	if err != nil {
		return Decision{}, err
	}
	e.stats.hit(LayerL3)
	if e.l2 != nil && trusted && version != "" && !e.l2Unsafe.Load() {
		if err := e.l2.Put(ctx, key, entry, version); err != nil {
			e.stats.l2Errors.Add(1)
		}
	}
	if trusted {
		e.l1.StoreIfCurrent(key, entry, epoch)
	}
	return Decision{Entry: entry, Layer: LayerL3}, nil
}

// factsReader is one of velro.AccessStore's readers: the effective-access
// table (L3) or the base tables.
type factsReader func(ctx context.Context, user uuid.UUID, kind velro.Kind, id uuid.UUID) (velro.AccessFacts, error)

// compute reads the facts and applies the rules.
func (e *Engine) compute(ctx context.Context, key Key, read factsReader) (Entry, error) {
	f, err := read(ctx, key.User, key.Kind, key.ID)
	if err != nil {
		return Entry{}, err
	}
	return Entry{Access: f.Access(key.Kind), Exists: f.Exists, Scope: f.Scope(key.Kind, key.ID)}, nil
}

// Access implements velro.Authorizer with Check: the zero Access for a
// resource the user may not see.
func (e *Engine) Access(ctx context.Context, user uuid.UUID, kind velro.Kind, id uuid.UUID) (velro.Access, error) {
	d, err := e.Check(ctx, user, kind, id)
	if err != nil || !d.Visible() {
		return velro.Access{}, err
	}
	return d.Access, nil
}

// InvalidateShared drops the decisions a write changed from L2, before the
// write's event drops them from every instance's L1 (so no instance
// refills L1 from a stale L2). It returns when L2 is clean or distrusted.
func (e *Engine) InvalidateShared(ctx context.Context, change velro.AccessChange) {
	scopes := change.Scopes()
	if e.l2 == nil || len(scopes) == 0 {
		return
	}
	if err := e.l2.Invalidate(ctx, scopes); err != nil {
		e.stats.l2Errors.Add(1)
		e.distrustL2(ctx, err)
	}
}

// distrustL2 handles an L2 invalidation that failed: L2 may hold what the
// write revoked. It is flushed; if even that fails, this instance stops
// reading L2 until a flush succeeds (the next bus reconnection).
func (e *Engine) distrustL2(ctx context.Context, cause error) {
	if err := e.l2.Flush(ctx); err != nil {
		e.l2Unsafe.Store(true)
		e.log.ErrorContext(ctx, "authz L2 invalidation and flush failed; L2 unused until it can be flushed", "error", cause)
		return
	}
	e.log.WarnContext(ctx, "authz L2 invalidation failed; L2 flushed", "error", cause)
}

// apply invalidates L1 from a bus event. A Flush (the bus reconnected, so
// events may have been missed) empties L2 too, whose invalidations may
// have failed meanwhile; L2 goes first so L1 cannot refill from it.
func (e *Engine) apply(ev velro.Event) {
	if ev.Flush {
		if e.l2 != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			if err := e.l2.Flush(ctx); err != nil {
				e.l2Unsafe.Store(true)
				e.log.Error("authz L2 flush failed; L2 unused until it can be flushed", "error", err)
			} else {
				e.l2Unsafe.Store(false)
			}
			cancel()
		}
		e.l1.InvalidateAll()
		return
	}
	ids := ev.Access.Scopes()
	if len(ids) == 0 {
		return
	}
	scopes := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		scopes[id] = true
	}
	e.l1.InvalidateIf(func(k Key, v Entry) bool { return scopes[v.Scope] || scopes[k.ID] })
}

// Stats returns the per-layer counters.
func (e *Engine) Stats() Stats { return e.stats.snapshot() }
