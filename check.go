package velro

import (
	"context"

	"github.com/google/uuid"
)

// Authorizer says what a user may do with a resource. Two implement it:
// the authorization engine (cached, for answering requests fast) and the
// store inside a write's transaction (for re-checking a rule at commit).
type Authorizer interface {
	// Access is user's effective access to the resource: the zero Access
	// when the resource is absent or the user may not see it.
	Access(ctx context.Context, user uuid.UUID, kind Kind, id uuid.UUID) (Access, error)
}

// Require returns user's access to the resource if it permits action:
// ENOTFOUND when the user may not see the resource (no existence leak),
// EFORBIDDEN when they see it but may not act.
func Require(ctx context.Context, a Authorizer, user uuid.UUID, action Action, kind Kind, id uuid.UUID) (Access, error) {
	acc, err := a.Access(ctx, user, kind, id)
	switch {
	case err != nil:
		return acc, err
	case acc.Role == RoleNone:
		return acc, Errorf(ENOTFOUND, "%s not found.", kind.Title())
	case !acc.Role.Can(action):
		return acc, Errorf(EFORBIDDEN, "Your role on this %s (%s) does not allow this.", kind, acc.Role)
	}
	return acc, nil
}

// Check is a use-case rule: who may make a write. A service runs it before
// the write against the cached engine, to refuse fast, and the store runs
// it again inside the write's transaction, after the write's locks, against
// facts read there: access revoked a moment before the commit refuses the
// write. A Check returns the error that refuses the write, or nil.
type Check func(ctx context.Context, a Authorizer) error

// NoRule is the Check of writes no rule restricts: those any signed-in
// user makes for themselves (a generation outside projects), and those
// Velro makes on no user's behalf (workers, the reaper, store tests).
func NoRule(context.Context, Authorizer) error { return nil }

// Allowed is the Check of a write that needs one permission on one
// resource.
func Allowed(user uuid.UUID, action Action, kind Kind, id uuid.UUID) Check {
	return func(ctx context.Context, a Authorizer) error {
		_, err := Require(ctx, a, user, action, kind, id)
		return err
	}
}

// All is the Check that passes when every one of checks does; it returns
// the first refusal.
func All(checks ...Check) Check {
	return func(ctx context.Context, a Authorizer) error {
		for _, c := range checks {
			if err := c(ctx, a); err != nil {
				return err
			}
		}
		return nil
	}
}
