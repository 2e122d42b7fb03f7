package velro

import (
	"context"

	"github.com/google/uuid"
)

// Event announces writes that make cached state stale: a write's Effects
// (one field per cache), or a Flush. Every instance applies it to its
// caches: the one that wrote before answering, the others when the bus
// delivers it. Only the guard publishes effects; buses publish flushes.
type Event struct {
	Effects
	// Flush drops everything cached: events may have been missed (the bus
	// reconnected).
	Flush bool `json:"flush,omitempty"`
}

// StatusChange is a generation's new status (StatusDeleted when it is
// gone, StatusUnknown when it may have changed).
type StatusChange struct {
	ID     uuid.UUID `json:"id"`
	Status Status    `json:"status"`
}

// Bus carries Events between instances.
type Bus interface {
	// Publish delivers ev to this instance's subscribers before it returns,
	// then sends it to every other instance.
	Publish(ctx context.Context, ev Event) error
	// Subscribe registers fn for every event, local or remote. Subscribers
	// must be quick and must not publish.
	Subscribe(fn func(Event))
	// Connected reports whether events from other instances are arriving.
	// While it is false, caches of shared state cannot be trusted.
	Connected() bool
}
