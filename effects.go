package velro

import (
	"errors"

	"github.com/google/uuid"
)

// Effects is what a write changed that something outside the database
// holds: one field per cache, and the status changes that streams and
// workers wait for. Every store write returns one; the guard publishes it
// on the bus, and every instance's caches apply it (Event).
type Effects struct {
	// Access names the scopes whose authorization decisions changed.
	Access AccessChange `json:"access,omitzero"`
	// Users are the accounts whose row changed (profile, balance, role,
	// state, password, address verified, deleted).
	Users []uuid.UUID `json:"users,omitempty"`
	// Sessions are the sessions that ended (logout, refresh-token reuse, a
	// password set, an account disabled or deleted).
	Sessions []uuid.UUID `json:"sessions,omitempty"`
	// Generations are the generations whose row changed or went.
	Generations []uuid.UUID `json:"generations,omitempty"`
	// Statuses are generation status changes, for streams and workers.
	Statuses []StatusChange `json:"statuses,omitempty"`
	// SigningKeys: the token-signing keys were rotated.
	SigningKeys bool `json:"signing_keys,omitempty"`
}

// IsZero reports whether the write changed nothing anything holds.
func (e Effects) IsZero() bool {
	return len(e.Access.Scopes())+len(e.Users)+len(e.Sessions)+len(e.Generations)+len(e.Statuses) == 0 && !e.SigningKeys
}

// Unconfirmed returns the effects of a write that may or may not have
// committed: the same caches go, but no status is announced as certain
// (StatusUnknown), so no worker stops a render for a cancellation that
// perhaps never happened.
func (e Effects) Unconfirmed() Effects {
	if len(e.Statuses) > 0 {
		statuses := make([]StatusChange, len(e.Statuses))
		for i, s := range e.Statuses {
			statuses[i] = StatusChange{ID: s.ID, Status: StatusUnknown}
		}
		e.Statuses = statuses
	}
	return e
}

// ErrMaybeCommitted marks the failure of a write whose commit was sent
// but never confirmed (the database stalled or the connection dropped
// while it committed): the write may have taken effect, so its effects
// must be applied anyway. Any other failure of a write committed nothing:
// it was refused, or failed before its commit was sent.
var ErrMaybeCommitted = errors.New("the write may have committed")

// MaybeCommitted marks err as ErrMaybeCommitted, keeping what it wraps
// (its application error code).
func MaybeCommitted(err error) error {
	if err == nil {
		return nil
	}
	return maybeCommitted{err}
}

type maybeCommitted struct{ error }

func (m maybeCommitted) Unwrap() error      { return m.error }
func (maybeCommitted) Is(target error) bool { return target == ErrMaybeCommitted }
