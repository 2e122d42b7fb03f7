package testenv

import (
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/bus"
	"github.com/velro-ai/velro/guard"
)

// Guard wraps a store as servers do: an authorization engine on an
// in-process bus, and the guarded store every consumer writes through.
func Guard(s velro.Store) *guard.Store { return GuardOn(s, new(bus.Local)) }

// GuardOn guards s with the engine's and the row caches' events on b.
func GuardOn(s velro.Store, b velro.Bus) *guard.Store {
	return guard.New(s, authz.New(authz.Config{Store: s, Bus: b}), b)
}
