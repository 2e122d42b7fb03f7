package service

import (
	"context"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/guard"
)

// projectStore is what Projects needs of the (guarded) store.
type projectStore interface {
	guard.Guarded
	CreateProject(ctx context.Context, p *velro.Project) (velro.Effects, error)
	FindProject(ctx context.Context, id uuid.UUID) (*velro.Project, error)
	ListReadableProjects(ctx context.Context, userID uuid.UUID, f velro.ProjectFilter) ([]*velro.Project, int, error)
	UpdateProject(ctx context.Context, id uuid.UUID, upd velro.ProjectUpdate, check velro.Check) (*velro.Project, velro.Effects, error)
	DeleteProject(ctx context.Context, id uuid.UUID, check velro.Check) (velro.Effects, error)
	ShareProject(ctx context.Context, s *velro.ProjectShare, check velro.Check) (velro.Effects, error)
	UnshareProject(ctx context.Context, projectID, teamID uuid.UUID, check velro.Check) (velro.Effects, error)
	ListProjectShares(ctx context.Context, projectID uuid.UUID) ([]*velro.ProjectShare, error)
	ProjectStats(ctx context.Context, projectID uuid.UUID) (velro.ProjectStats, error)
}

// Projects is what users do with projects.
type Projects struct {
	store projectStore
	authz velro.Authorizer
}

// NewProjects returns the project use cases.
func NewProjects(store projectStore, authz velro.Authorizer) *Projects {
	return &Projects{store: store, authz: authz}
}

// Create makes a project the actor owns; any signed-in user may.
func (s *Projects) Create(ctx context.Context, actor uuid.UUID, p *velro.Project) error {
	p.ID, p.UserID = velro.NewID(), actor
	if p.Visibility == "" {
		p.Visibility = velro.VisibilityPrivate
	}
	if err := p.Validate(); err != nil {
		return err
	}
	_, err := s.store.CreateProject(ctx, p)
	return err
}

// List returns the projects the actor may read, newest first.
func (s *Projects) List(ctx context.Context, actor uuid.UUID, f velro.ProjectFilter) ([]*velro.Project, int, error) {
	return s.store.ListReadableProjects(ctx, actor, f)
}

// mayViewProject: the owner, members of the teams it is shared with (unless
// private) and, when public, everyone.
func mayViewProject(actor, id uuid.UUID) velro.Check {
	return velro.Allowed(actor, velro.ActionView, velro.KindProject, id)
}

// Get returns a project the actor may view.
func (s *Projects) Get(ctx context.Context, actor, id uuid.UUID) (*velro.Project, error) {
	if err := mayViewProject(actor, id)(ctx, s.authz); err != nil {
		return nil, err
	}
	return s.store.FindProject(ctx, id)
}

// Shares returns a page of the shares of a project the actor may view,
// oldest first, and their number.
func (s *Projects) Shares(ctx context.Context, actor, id uuid.UUID, page velro.Page) ([]*velro.ProjectShare, int, error) {
	if err := mayViewProject(actor, id)(ctx, s.authz); err != nil {
		return nil, 0, err
	}
	list, err := s.store.ListProjectShares(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	return window(list, page), len(list), nil
}

// Stats counts the generations of a project the actor may view.
func (s *Projects) Stats(ctx context.Context, actor, id uuid.UUID) (velro.ProjectStats, error) {
	if err := mayViewProject(actor, id)(ctx, s.authz); err != nil {
		return velro.ProjectStats{}, err
	}
	return s.store.ProjectStats(ctx, id)
}

// mayUpdateProject: editors change a project's content; changing its
// visibility takes the share permission (admins and the owner).
func mayUpdateProject(actor, id uuid.UUID, upd velro.ProjectUpdate) velro.Check {
	if upd.Visibility != nil {
		return velro.Allowed(actor, velro.ActionShare, velro.KindProject, id)
	}
	return velro.Allowed(actor, velro.ActionEdit, velro.KindProject, id)
}

// Update applies a partial update.
func (s *Projects) Update(ctx context.Context, actor, id uuid.UUID, upd velro.ProjectUpdate) (*velro.Project, error) {
	rule := mayUpdateProject(actor, id, upd)
	if err := rule(ctx, s.authz); err != nil {
		return nil, err
	}
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	p, _, err := s.store.UpdateProject(ctx, id, upd, rule)
	return p, err
}

// mayDeleteProject: only the owner deletes a project.
func mayDeleteProject(actor, id uuid.UUID) velro.Check {
	return velro.Allowed(actor, velro.ActionDeleteProject, velro.KindProject, id)
}

// Delete deletes a project; its generations stay with their owners.
func (s *Projects) Delete(ctx context.Context, actor, id uuid.UUID) error {
	rule := mayDeleteProject(actor, id)
	if err := rule(ctx, s.authz); err != nil {
		return err
	}
	_, err := s.store.DeleteProject(ctx, id, rule)
	return err
}

// mayShare: sharing a project with a team (or changing the level) takes
// the share permission on the project and membership of the team: nobody
// hands a project to a team they do not belong to.
func mayShare(actor, project, team uuid.UUID) velro.Check {
	share := velro.Allowed(actor, velro.ActionShare, velro.KindProject, project)
	member := velro.Allowed(actor, velro.ActionView, velro.KindTeam, team)
	return func(ctx context.Context, a velro.Authorizer) error {
		if err := share(ctx, a); err != nil {
			return err
		}
		return member(ctx, a)
	}
}

// Share shares a project with a team at a level, or changes the level. It
// reports whether the share takes effect now: a private project ignores
// its shares until its visibility is team-only or public.
func (s *Projects) Share(ctx context.Context, actor uuid.UUID, share *velro.ProjectShare) (effective bool, err error) {
	rule := mayShare(actor, share.ProjectID, share.TeamID)
	if err := rule(ctx, s.authz); err != nil {
		return false, err
	}
	if _, err := s.store.ShareProject(ctx, share, rule); err != nil {
		return false, err
	}
	p, err := s.store.FindProject(ctx, share.ProjectID)
	if err != nil {
		return false, err
	}
	return p.Visibility != velro.VisibilityPrivate, nil
}

// mayUnshare: stopping a share takes the share permission on the project
// (membership of the team is not needed: a team one left can be removed).
func mayUnshare(actor, project uuid.UUID) velro.Check {
	return velro.Allowed(actor, velro.ActionShare, velro.KindProject, project)
}

// Unshare stops sharing a project with a team.
func (s *Projects) Unshare(ctx context.Context, actor, project, team uuid.UUID) error {
	rule := mayUnshare(actor, project)
	if err := rule(ctx, s.authz); err != nil {
		return err
	}
	_, err := s.store.UnshareProject(ctx, project, team, rule)
	return err
}
