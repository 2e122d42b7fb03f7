package api

import (
	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// IDPath is a resource id in the path; huma checks the format (422 for
// anything but a UUID).
type IDPath struct {
	ID string `path:"id" format:"uuid" doc:"Resource id (UUID)"`
}

// id parses the path id.
func (p IDPath) id() (uuid.UUID, error) { return parseID("id", p.ID) }

// parseID parses an id huma has validated; a malformed one is still a 4xx.
func parseID(field, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, velro.Invalid(field, "must be a UUID")
	}
	return id, nil
}

// optionalID is parseID for an optional field: nil when s is empty.
func optionalID(field, s string) (*uuid.UUID, error) {
	if s == "" {
		return nil, nil
	}
	id, err := parseID(field, s)
	return &id, err
}
