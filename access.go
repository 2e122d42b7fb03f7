package velro

import (
	"context"
	"strings"

	"github.com/google/uuid"
)

// Kind is a kind of resource access is checked on.
type Kind uint8

const (
	KindProject Kind = iota + 1
	KindGeneration
	KindTeam
	// KindUpload follows the generation rules: its owner is owner, everyone
	// else has their access to its project (none without one).
	KindUpload
)

// Title is the kind's name with a capital, for messages.
func (k Kind) Title() string {
	name := k.String()
	return strings.ToUpper(name[:1]) + name[1:]
}

func (k Kind) String() string {
	switch k {
	case KindProject:
		return "project"
	case KindGeneration:
		return "generation"
	case KindTeam:
		return "team"
	case KindUpload:
		return "upload"
	}
	return "unknown"
}

// AccessFacts are what the rules need to know from the database about one
// caller and one resource.
type AccessFacts struct {
	Exists bool
	// Owner: the caller owns the resource itself (project, generation) or
	// is the team's owner.
	Owner bool
	// ProjectID is the project (of a generation: its project, if any).
	ProjectID uuid.UUID
	// ProjectOwner: the caller owns the project.
	ProjectOwner bool
	Visibility   Visibility
	// TeamRole is the caller's best team-derived role on the project, or
	// for a team the caller's role in it.
	TeamRole Role
	// MemberRole is the caller's team role (teams only).
	MemberRole TeamRole
}

// Scope is what invalidates a cached decision on a resource: the project
// for projects and for generations and uploads in one; the generation or
// upload itself outside projects; the team for teams.
func (f AccessFacts) Scope(kind Kind, id uuid.UUID) uuid.UUID {
	switch {
	case kind == KindTeam:
		return id
	case f.ProjectID != uuid.Nil:
		return f.ProjectID
	}
	return id
}

// Access applies the rules to the facts.
func (f AccessFacts) Access(kind Kind) Access {
	if !f.Exists {
		return Access{}
	}
	switch kind {
	case KindTeam:
		return TeamAccess(f.MemberRole)
	case KindProject:
		return ProjectAccess(f.ProjectOwner, f.Visibility, f.TeamRole)
	}
	project := Access{}
	if f.ProjectID != uuid.Nil {
		project = ProjectAccess(f.ProjectOwner, f.Visibility, f.TeamRole)
	}
	return GenerationAccess(f.Owner, project)
}

// AccessStore reads AccessFacts.
type AccessStore interface {
	// AccessFacts reads the facts from the effective-access table: one
	// indexed lookup.
	AccessFacts(ctx context.Context, user uuid.UUID, kind Kind, id uuid.UUID) (AccessFacts, error)
	// BaseAccessFacts computes the facts from the base tables (memberships
	// and shares) the effective-access table is derived from: what checks
	// read with caching off, and what the table is verified against.
	BaseAccessFacts(ctx context.Context, user uuid.UUID, kind Kind, id uuid.UUID) (AccessFacts, error)
}
