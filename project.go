package velro

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Visibility says who may see a project besides its owner.
type Visibility string

// Visibilities of a project: private projects ignore team shares,
// team-only and public ones honour them, and public ones are readable by
// every signed-in user.
const (
	VisibilityPrivate  Visibility = "private"
	VisibilityTeamOnly Visibility = "team-only"
	VisibilityPublic   Visibility = "public"
)

// ShareLevel is the most a project shared with a team grants its members.
type ShareLevel string

// Share access levels.
const (
	ShareRead  ShareLevel = "read"
	ShareWrite ShareLevel = "write"
	ShareAdmin ShareLevel = "admin"
)

// Role is the role a share level grants at most.
func (l ShareLevel) Role() Role {
	switch l {
	case ShareRead:
		return RoleViewer
	case ShareWrite:
		return RoleEditor
	case ShareAdmin:
		return RoleAdmin
	}
	return RoleNone
}

// Project groups generations; it is shared with teams and has a visibility.
type Project struct {
	ID              uuid.UUID      `json:"id"`
	UserID          uuid.UUID      `json:"user_id"`
	Name            string         `json:"name"`
	Description     string         `json:"description"`
	Visibility      Visibility     `json:"visibility" enum:"private,team-only,public"`
	Tags            []string       `json:"tags"`
	Metadata        map[string]any `json:"metadata"`
	GenerationCount int            `json:"generation_count"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
}

// ProjectUpdate is a partial update; nil fields stay as they are.
type ProjectUpdate struct {
	Name        *string
	Description *string
	Visibility  *Visibility
	Tags        *[]string
	Metadata    map[string]any
}

// MaxMetadataBytes bounds a project's metadata, as JSON.
const MaxMetadataBytes = 16 << 10

// Validate checks and normalises the fields of a new project.
func (p *Project) Validate() error {
	upd := ProjectUpdate{Name: &p.Name, Description: &p.Description, Visibility: &p.Visibility, Tags: &p.Tags, Metadata: p.Metadata}
	if err := upd.Validate(); err != nil {
		return err
	}
	if p.Tags == nil {
		p.Tags = []string{}
	}
	if p.Metadata == nil {
		p.Metadata = map[string]any{}
	}
	return nil
}

// Validate checks and normalises the given fields: name 1..100, not
// blank and nothing CheckName refuses (nor tags), description at most 500,
// a known visibility, at most 10 tags of at most 50 characters each,
// metadata of at most 16 KiB as JSON.
func (u *ProjectUpdate) Validate() error {
	if err := validateNamed(u.Name, u.Description); err != nil {
		return err
	}
	if u.Visibility != nil {
		switch *u.Visibility {
		case VisibilityPrivate, VisibilityTeamOnly, VisibilityPublic:
		default:
			return Invalid("visibility", "must be private, team-only or public")
		}
	}
	if u.Metadata != nil {
		if raw, err := json.Marshal(u.Metadata); err != nil || len(raw) > MaxMetadataBytes {
			return Invalid("metadata", "must be at most 16 KiB of JSON")
		}
	}
	if u.Tags != nil {
		if len(*u.Tags) > 10 {
			return Invalid("tags", "at most 10 tags")
		}
		for _, t := range *u.Tags {
			if utf8.RuneCountInString(t) > 50 {
				return Invalid("tags", "each tag must be at most 50 characters")
			}
			if err := CheckName("tags", t); err != nil {
				return err
			}
		}
	}
	return nil
}

// validateNamed checks and trims the name and description that projects
// and teams share: name 1..100 characters, not blank, nothing CheckName
// refuses; description at most 500. Nil fields are not being set.
func validateNamed(name, description *string) error {
	if name != nil {
		trimmed := strings.TrimSpace(*name)
		if trimmed == "" || utf8.RuneCountInString(trimmed) > 100 {
			return Invalid("name", "must be 1 to 100 characters and not blank")
		}
		if err := CheckName("name", trimmed); err != nil {
			return err
		}
		*name = trimmed
	}
	if description != nil && utf8.RuneCountInString(*description) > 500 {
		return Invalid("description", "must be at most 500 characters")
	}
	return nil
}

// ProjectFilter selects projects in a listing.
type ProjectFilter struct {
	Visibility Visibility // "" for any
	Page
}

// ProjectShare is a project's share with a team.
type ProjectShare struct {
	ProjectID   uuid.UUID  `json:"project_id"`
	TeamID      uuid.UUID  `json:"team_id"`
	AccessLevel ShareLevel `json:"access_level" enum:"read,write,admin"`
	TeamName    string     `json:"team_name,omitempty" doc:"Set in listings"`
	CreatedAt   time.Time  `json:"created_at"`
}

// ProjectStats are the counts of a project's generations.
type ProjectStats struct {
	GenerationCount  int   `json:"generation_count"`
	Completed        int   `json:"completed"`
	Failed           int   `json:"failed"`
	InProgress       int   `json:"in_progress" doc:"Pending or processing"`
	TotalCreditsUsed int64 `json:"total_credits_used" doc:"Credits spent on the project's generations, net of refunds"`
	Breakdown
	LastGenerationAt *time.Time `json:"last_generation_at" doc:"When the newest generation was submitted; null without any"`
}

// AccessChange names the scopes (velro.AccessFacts.Scope) whose access a
// write changed: every cached decision under them goes.
type AccessChange struct {
	Projects    []uuid.UUID `json:"projects,omitempty"`
	Teams       []uuid.UUID `json:"teams,omitempty"`
	Generations []uuid.UUID `json:"generations,omitempty" doc:"Deleted generations"`
	Uploads     []uuid.UUID `json:"uploads,omitempty" doc:"Deleted uploads"`
}

// Scopes are every id the change names: the cache scopes it drops.
func (c AccessChange) Scopes() []uuid.UUID {
	return slices.Concat(c.Projects, c.Teams, c.Generations, c.Uploads)
}

// ProjectReader reads projects and their shares.
type ProjectReader interface {
	// FindProject returns ENOTFOUND when absent.
	FindProject(ctx context.Context, id uuid.UUID) (*Project, error)
	// ListReadableProjects returns, newest first, the projects userID may
	// read: own, shared through teams (unless private) and public.
	ListReadableProjects(ctx context.Context, userID uuid.UUID, f ProjectFilter) ([]*Project, int, error)
	// ListProjectShares returns the project's shares, oldest first, with
	// their teams' names.
	ListProjectShares(ctx context.Context, projectID uuid.UUID) ([]*ProjectShare, error)
	// ProjectStats counts the project's generations.
	ProjectStats(ctx context.Context, projectID uuid.UUID) (ProjectStats, error)
}

// ProjectWriter changes projects and their shares. Writes that change who
// may access what keep the effective-access table in the same transaction
// and name the change in their Effects. Writes made for a user re-check
// their rule (a Check) inside the transaction.
type ProjectWriter interface {
	// CreateProject inserts p (validated) and fills its timestamps.
	CreateProject(ctx context.Context, p *Project) (Effects, error)
	// UpdateProject applies a validated update; ENOTFOUND when absent.
	UpdateProject(ctx context.Context, id uuid.UUID, upd ProjectUpdate, check Check) (*Project, Effects, error)
	// DeleteProject deletes the project and its shares; its generations
	// stay with their owners, outside any project. ENOTFOUND when absent.
	DeleteProject(ctx context.Context, id uuid.UUID, check Check) (Effects, error)
	// ShareProject shares the project with a team at a level, or changes
	// the level of an existing share. ENOTFOUND if either is absent.
	ShareProject(ctx context.Context, s *ProjectShare, check Check) (Effects, error)
	// UnshareProject removes a share; ENOTFOUND if there is none.
	UnshareProject(ctx context.Context, projectID, teamID uuid.UUID, check Check) (Effects, error)
}
