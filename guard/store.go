// Package guard is the one way Velro writes: every store write goes
// through guard.Store, which publishes the write's effects (velro.Effects,
// returned by the store itself) on the bus, so every instance drops what
// the write made stale from its caches and wakes whoever watches what
// changed (effects.go lists it all). The hottest reads (the caller's
// account, a generation being watched) are served from memory.
//
// Consumers take narrow interfaces that embed Guarded, which only
// *guard.Store implements: they cannot be handed a store that skips the
// publishing. Reads pass through (velro.Reader is embedded); every write of
// velro.Writer is written out here, so a write added to the store does not
// compile until it is routed through publish.
package guard

import (
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/cache"
)

// Guarded is implemented by *Store alone (its method is unexported): a
// consumer's store interface embeds it to accept nothing else.
type Guarded interface{ guarded() }

// Store wraps the database store.
type Store struct {
	velro.Reader // the raw store's reads, but the two cached in reads.go
	raw          velro.Writer
	authz        *authz.Engine
	bus          velro.Bus
	users        *cache.Local[uuid.UUID, velro.User]
	generations  *cache.Local[uuid.UUID, velro.Generation]
}

var (
	_ velro.Store = (*Store)(nil)
	_ Guarded     = (*Store)(nil)
)

func (*Store) guarded() {}

// RowTTL bounds how long a cached row may lag a change announced on a bus
// that was down.
const RowTTL = 30 * time.Second

// New guards raw: the effects of its writes go to engine's shared cache
// (L2) and, through the bus, to every instance's caches, these row caches
// included.
func New(raw velro.Store, engine *authz.Engine, bus velro.Bus) *Store {
	s := &Store{Reader: raw, raw: raw, authz: engine, bus: bus,
		users:       cache.NewLocal[uuid.UUID, velro.User](100_000, RowTTL),
		generations: cache.NewLocal[uuid.UUID, velro.Generation](100_000, RowTTL)}
	bus.Subscribe(s.apply)
	return s
}
