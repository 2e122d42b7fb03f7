package velro

import (
	"context"

	"github.com/google/uuid"
)

// Event announces writes that make cached state stale. Every instance
// applies it to its caches: the one that wrote before answering, the others
// when the bus delivers it.
type Event struct {
	// Sessions were revoked (logout, refresh-token reuse).
	Sessions []uuid.UUID `json:"sessions,omitempty"`
	// Projects had their access changed: sharing, membership of a team they
	// are shared with, visibility, ownership or deletion.
	Projects []uuid.UUID `json:"projects,omitempty"`
	// Teams had their membership changed or were deleted.
	Teams []uuid.UUID `json:"teams,omitempty"`
	// Users had their account data changed (profile, role, balance).
	Users []uuid.UUID `json:"users,omitempty"`
	// Accounts had what may use them change: disabled or enabled, role
	// changed, password changed or reset, address verified, deleted. Their
	// sessions and account rows cached anywhere go.
	Accounts []uuid.UUID `json:"accounts,omitempty"`
	// Generations were deleted.
	Generations []uuid.UUID `json:"generations,omitempty"`
	// Uploads were deleted.
	Uploads []uuid.UUID `json:"uploads,omitempty"`
	// GenerationRows changed (any write to a generation): cached copies go.
	GenerationRows []uuid.UUID `json:"generation_rows,omitempty"`
	// Statuses are generation status changes (for streams and workers).
	Statuses []StatusChange `json:"statuses,omitempty"`
	// SigningKeys were rotated: every instance reloads them.
	SigningKeys bool `json:"signing_keys,omitempty"`
	// Flush drops everything cached: events may have been missed (the bus
	// reconnected).
	Flush bool `json:"flush,omitempty"`
}

// StatusChange is a generation's new status (StatusDeleted when it is
// gone).
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
