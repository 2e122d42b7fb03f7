// Package guard is the one way Velro writes: every store write goes
// through guard.Store, which drops what the write made stale from every
// cache (invalidate.go lists them all), and the hottest reads (the caller's
// account, a generation being watched) are served from memory.
//
// Consumers take narrow interfaces that embed Guarded, which only
// *guard.Store implements: they cannot be handed a store that skips the
// invalidations. Store implements velro.Store method by method, without
// embedding, so a write added to velro.Store does not compile here until
// someone decides what it invalidates.
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
	raw         velro.Store
	authz       *authz.Engine
	bus         velro.Bus
	users       *cache.Local[uuid.UUID, velro.User]
	generations *cache.Local[uuid.UUID, velro.Generation]
}

var (
	_ velro.Store = (*Store)(nil)
	_ Guarded     = (*Store)(nil)
)

func (*Store) guarded() {}

// RowTTL bounds how long a cached row may lag a change announced on a bus
// that was down.
const RowTTL = 30 * time.Second

// New guards raw: access changes go to engine (its caches, and through the
// bus every instance's), row changes to the row caches here and, through
// the bus, on every instance.
func New(raw velro.Store, engine *authz.Engine, bus velro.Bus) *Store {
	s := &Store{raw: raw, authz: engine, bus: bus,
		users:       cache.NewLocal[uuid.UUID, velro.User](100_000, RowTTL),
		generations: cache.NewLocal[uuid.UUID, velro.Generation](100_000, RowTTL)}
	bus.Subscribe(s.apply)
	return s
}
