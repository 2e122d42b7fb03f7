package testenv

import (
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/bus"
	"github.com/velro-ai/velro/guard"
)

// Guard wraps a store as servers do: an authorization engine on an
// in-process bus, and the guarded store every consumer writes through.
func Guard(s velro.Store) *guard.Store {
	b := new(bus.Local)
	return guard.New(s, authz.New(authz.Config{Store: s, Bus: b}), b)
}
