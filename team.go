package velro

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// TeamRole is a member's role in a team.
type TeamRole string

// Team member roles.
const (
	TeamOwner  TeamRole = "owner"
	TeamAdmin  TeamRole = "admin"
	TeamEditor TeamRole = "editor"
	TeamViewer TeamRole = "viewer"
)

// ProjectRole is the most a member with this team role gets on a project
// shared with the team: a team owner counts as admin there.
func (r TeamRole) ProjectRole() Role {
	switch r {
	case TeamViewer:
		return RoleViewer
	case TeamEditor:
		return RoleEditor
	case TeamAdmin, TeamOwner:
		return RoleAdmin
	}
	return RoleNone
}

// MemberRole is the team role behind a user's access to a team (see
// TeamAccess); "" for no access.
func MemberRole(a Access) TeamRole {
	switch a.Role {
	case RoleOwner:
		return TeamOwner
	case RoleAdmin:
		return TeamAdmin
	case RoleEditor:
		return TeamEditor
	case RoleViewer:
		return TeamViewer
	}
	return ""
}

// Team is a group of users that projects are shared with.
type Team struct {
	ID          uuid.UUID    `json:"id"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	OwnerID     uuid.UUID    `json:"owner_id"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
	Members     []TeamMember `json:"members"`
}

// TeamMember is a user's membership of a team.
type TeamMember struct {
	UserID   uuid.UUID `json:"user_id"`
	Email    string    `json:"email"`
	FullName string    `json:"full_name"`
	Role     TeamRole  `json:"role" enum:"owner,admin,editor,viewer"`
}

// Role returns the team role of userID ("" if not a member).
func (t *Team) Role(userID uuid.UUID) TeamRole {
	for _, m := range t.Members {
		if m.UserID == userID {
			return m.Role
		}
	}
	return ""
}

// TeamUpdate is a partial update; nil fields stay as they are.
type TeamUpdate struct {
	Name        *string
	Description *string
}

// Validate checks and normalises: name 1..100, not blank and nothing
// CheckName refuses; description at most 500.
func (u *TeamUpdate) Validate() error { return validateNamed(u.Name, u.Description) }

// TeamReader reads teams and memberships.
type TeamReader interface {
	// FindTeam returns the team with its members; ENOTFOUND when absent.
	FindTeam(ctx context.Context, id uuid.UUID) (*Team, error)
	// ListTeams returns a page of the teams userID is a member of, newest
	// first, and their number.
	ListTeams(ctx context.Context, userID uuid.UUID, page Page) ([]*Team, int, error)
}

// TeamWriter changes teams and memberships. Membership writes keep the
// effective-access table of the team's projects in the same transaction
// and name the change in their Effects. Writes made for a user re-check
// their rule (a Check) inside the transaction.
type TeamWriter interface {
	// CreateTeam inserts t with its owner as the only member (role owner).
	CreateTeam(ctx context.Context, t *Team) (Effects, error)
	// UpdateTeam applies a validated update; ENOTFOUND when absent.
	UpdateTeam(ctx context.Context, id uuid.UUID, upd TeamUpdate, check Check) (*Team, Effects, error)
	// DeleteTeam deletes the team, its memberships and its shares.
	DeleteTeam(ctx context.Context, id uuid.UUID, check Check) (Effects, error)
	// AddTeamMember adds a member and queues the mail telling them who
	// added them; ECONFLICT if already one.
	AddTeamMember(ctx context.Context, teamID, userID uuid.UUID, role TeamRole, check Check) (Effects, error)
	// SetTeamMemberRole changes a member's role; ENOTFOUND if not a member.
	SetTeamMemberRole(ctx context.Context, teamID, userID uuid.UUID, role TeamRole, check Check) (Effects, error)
	// RemoveTeamMember removes a member; ENOTFOUND if not a member.
	RemoveTeamMember(ctx context.Context, teamID, userID uuid.UUID, check Check) (Effects, error)
}
