package authz

import (
	"context"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// Store is a velro.Store whose writes that change access invalidate the
// engine's caches before they return, so the very next check sees them.
// Handlers write through it and cannot forget an invalidation.
type Store struct {
	velro.Store
	engine *Engine
}

// Guard wraps s.
func (e *Engine) Guard(s velro.Store) *Store { return &Store{Store: s, engine: e} }

// after invalidates what a write changed. A write that failed in a way that
// leaves its outcome unknown (a timeout after the commit was sent, say)
// flushes everything: correctness over hit rate.
func (s *Store) after(ctx context.Context, change velro.AccessChange, err error) {
	switch velro.ErrorCode(err) {
	case "":
		s.engine.Invalidate(ctx, change)
	case velro.ENOTFOUND, velro.ECONFLICT, velro.EINVALID, velro.EFORBIDDEN:
		// Nothing was written.
	default:
		s.engine.InvalidateAll(ctx)
	}
}

// UpdateProject implements velro.ProjectStore.
func (s *Store) UpdateProject(ctx context.Context, id uuid.UUID, upd velro.ProjectUpdate) (*velro.Project, velro.AccessChange, error) {
	p, change, err := s.Store.UpdateProject(ctx, id, upd)
	s.after(ctx, change, err)
	return p, change, err
}

// DeleteProject implements velro.ProjectStore.
func (s *Store) DeleteProject(ctx context.Context, id uuid.UUID) (velro.AccessChange, error) {
	change, err := s.Store.DeleteProject(ctx, id)
	s.after(ctx, change, err)
	return change, err
}

// ShareProject implements velro.ProjectStore.
func (s *Store) ShareProject(ctx context.Context, share *velro.ProjectShare) (velro.AccessChange, error) {
	change, err := s.Store.ShareProject(ctx, share)
	s.after(ctx, change, err)
	return change, err
}

// UnshareProject implements velro.ProjectStore.
func (s *Store) UnshareProject(ctx context.Context, projectID, teamID uuid.UUID) (velro.AccessChange, error) {
	change, err := s.Store.UnshareProject(ctx, projectID, teamID)
	s.after(ctx, change, err)
	return change, err
}

// DeleteTeam implements velro.TeamStore.
func (s *Store) DeleteTeam(ctx context.Context, id uuid.UUID) (velro.AccessChange, error) {
	change, err := s.Store.DeleteTeam(ctx, id)
	s.after(ctx, change, err)
	return change, err
}

// AddTeamMember implements velro.TeamStore.
func (s *Store) AddTeamMember(ctx context.Context, teamID, userID uuid.UUID, role string) (velro.AccessChange, error) {
	change, err := s.Store.AddTeamMember(ctx, teamID, userID, role)
	s.after(ctx, change, err)
	return change, err
}

// SetTeamMemberRole implements velro.TeamStore.
func (s *Store) SetTeamMemberRole(ctx context.Context, teamID, userID uuid.UUID, role string) (velro.AccessChange, error) {
	change, err := s.Store.SetTeamMemberRole(ctx, teamID, userID, role)
	s.after(ctx, change, err)
	return change, err
}

// RemoveTeamMember implements velro.TeamStore.
func (s *Store) RemoveTeamMember(ctx context.Context, teamID, userID uuid.UUID) (velro.AccessChange, error) {
	change, err := s.Store.RemoveTeamMember(ctx, teamID, userID)
	s.after(ctx, change, err)
	return change, err
}

// DeleteGeneration implements velro.GenerationStore.
func (s *Store) DeleteGeneration(ctx context.Context, id uuid.UUID) (velro.AccessChange, error) {
	change, err := s.Store.DeleteGeneration(ctx, id)
	s.after(ctx, change, err)
	return change, err
}
