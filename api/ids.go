package api

import (
	"context"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
)

// IDPath is a resource id in the path; huma checks the format (422 for
// anything but a UUID).
type IDPath struct {
	ID string `path:"id" format:"uuid" doc:"Resource id (UUID)"`
}

// parseID parses an id huma has validated; a malformed one is still a 4xx.
func parseID(field, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, velro.Invalid(field, "must be a UUID")
	}
	return id, nil
}

// require parses a resource id and checks that the caller may act on the
// resource: ENOTFOUND if they may not see it, EFORBIDDEN if they may not act.
func require(ctx context.Context, engine *authz.Engine, kind velro.Kind, rawID string, action velro.Action) (authz.Decision, uuid.UUID, error) {
	id, err := parseID("id", rawID)
	if err != nil {
		return authz.Decision{}, id, err
	}
	d, err := engine.Require(ctx, principal(ctx).UserID, action, kind, id)
	return d, id, err
}
