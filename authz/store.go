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

// after returns what completes a write: it invalidates what the write
// changed and passes the write's results on, so each method is one line:
// return s.after(ctx)(s.Store.Write(...)). A write that failed in a way
// that leaves its outcome unknown (a timeout after the commit was sent,
// say) flushes everything: correctness over hit rate.
func (s *Store) after(ctx context.Context) func(velro.AccessChange, error) (velro.AccessChange, error) {
	return func(change velro.AccessChange, err error) (velro.AccessChange, error) {
		switch velro.ErrorCode(err) {
		case "":
			s.engine.Invalidate(ctx, change)
		case velro.ENOTFOUND, velro.ECONFLICT, velro.EINVALID, velro.EFORBIDDEN:
			// Nothing was written.
		default:
			s.engine.InvalidateAll(ctx)
		}
		return change, err
	}
}

// UpdateProject implements velro.ProjectStore.
func (s *Store) UpdateProject(ctx context.Context, id uuid.UUID, upd velro.ProjectUpdate) (*velro.Project, velro.AccessChange, error) {
	p, change, err := s.Store.UpdateProject(ctx, id, upd)
	change, err = s.after(ctx)(change, err)
	return p, change, err
}

// DeleteProject implements velro.ProjectStore.
func (s *Store) DeleteProject(ctx context.Context, id uuid.UUID) (velro.AccessChange, error) {
	return s.after(ctx)(s.Store.DeleteProject(ctx, id))
}

// ShareProject implements velro.ProjectStore.
func (s *Store) ShareProject(ctx context.Context, share *velro.ProjectShare) (velro.AccessChange, error) {
	return s.after(ctx)(s.Store.ShareProject(ctx, share))
}

// UnshareProject implements velro.ProjectStore.
func (s *Store) UnshareProject(ctx context.Context, projectID, teamID uuid.UUID) (velro.AccessChange, error) {
	return s.after(ctx)(s.Store.UnshareProject(ctx, projectID, teamID))
}

// DeleteTeam implements velro.TeamStore.
func (s *Store) DeleteTeam(ctx context.Context, id uuid.UUID) (velro.AccessChange, error) {
	return s.after(ctx)(s.Store.DeleteTeam(ctx, id))
}

// AddTeamMember implements velro.TeamStore.
func (s *Store) AddTeamMember(ctx context.Context, teamID, userID uuid.UUID, role velro.TeamRole) (velro.AccessChange, error) {
	return s.after(ctx)(s.Store.AddTeamMember(ctx, teamID, userID, role))
}

// SetTeamMemberRole implements velro.TeamStore.
func (s *Store) SetTeamMemberRole(ctx context.Context, teamID, userID uuid.UUID, role velro.TeamRole) (velro.AccessChange, error) {
	return s.after(ctx)(s.Store.SetTeamMemberRole(ctx, teamID, userID, role))
}

// RemoveTeamMember implements velro.TeamStore.
func (s *Store) RemoveTeamMember(ctx context.Context, teamID, userID uuid.UUID) (velro.AccessChange, error) {
	return s.after(ctx)(s.Store.RemoveTeamMember(ctx, teamID, userID))
}

// DeleteGeneration implements velro.GenerationStore.
func (s *Store) DeleteGeneration(ctx context.Context, id uuid.UUID) (velro.AccessChange, error) {
	return s.after(ctx)(s.Store.DeleteGeneration(ctx, id))
}
