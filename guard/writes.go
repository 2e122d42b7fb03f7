package guard

import (
	"context"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// The writes of projects, teams, invitations, generations and uploads. Each
// publishes the effects the store returned (effects.go).

// CreateProject implements velro.Store.
func (s *Store) CreateProject(ctx context.Context, p *velro.Project) (velro.Effects, error) {
	eff, err := s.raw.CreateProject(ctx, p)
	return eff, s.publish(ctx, eff, err)
}

// UpdateProject implements velro.Store.
func (s *Store) UpdateProject(ctx context.Context, id uuid.UUID, upd velro.ProjectUpdate, check velro.Check) (*velro.Project, velro.Effects, error) {
	v, eff, err := s.raw.UpdateProject(ctx, id, upd, check)
	return v, eff, s.publish(ctx, eff, err)
}

// DeleteProject implements velro.Store.
func (s *Store) DeleteProject(ctx context.Context, id uuid.UUID, check velro.Check) (velro.Effects, error) {
	eff, err := s.raw.DeleteProject(ctx, id, check)
	return eff, s.publish(ctx, eff, err)
}

// ShareProject implements velro.Store.
func (s *Store) ShareProject(ctx context.Context, share *velro.ProjectShare, check velro.Check) (velro.Effects, error) {
	eff, err := s.raw.ShareProject(ctx, share, check)
	return eff, s.publish(ctx, eff, err)
}

// UnshareProject implements velro.Store.
func (s *Store) UnshareProject(ctx context.Context, projectID, teamID uuid.UUID, check velro.Check) (velro.Effects, error) {
	eff, err := s.raw.UnshareProject(ctx, projectID, teamID, check)
	return eff, s.publish(ctx, eff, err)
}

// CreateTeam implements velro.Store.
func (s *Store) CreateTeam(ctx context.Context, t *velro.Team) (velro.Effects, error) {
	eff, err := s.raw.CreateTeam(ctx, t)
	return eff, s.publish(ctx, eff, err)
}

// UpdateTeam implements velro.Store.
func (s *Store) UpdateTeam(ctx context.Context, id uuid.UUID, upd velro.TeamUpdate, check velro.Check) (*velro.Team, velro.Effects, error) {
	v, eff, err := s.raw.UpdateTeam(ctx, id, upd, check)
	return v, eff, s.publish(ctx, eff, err)
}

// DeleteTeam implements velro.Store.
func (s *Store) DeleteTeam(ctx context.Context, id uuid.UUID, check velro.Check) (velro.Effects, error) {
	eff, err := s.raw.DeleteTeam(ctx, id, check)
	return eff, s.publish(ctx, eff, err)
}

// AddTeamMember implements velro.Store.
func (s *Store) AddTeamMember(ctx context.Context, teamID, userID uuid.UUID, role velro.TeamRole, check velro.Check) (velro.Effects, error) {
	eff, err := s.raw.AddTeamMember(ctx, teamID, userID, role, check)
	return eff, s.publish(ctx, eff, err)
}

// SetTeamMemberRole implements velro.Store.
func (s *Store) SetTeamMemberRole(ctx context.Context, teamID, userID uuid.UUID, role velro.TeamRole, check velro.Check) (velro.Effects, error) {
	eff, err := s.raw.SetTeamMemberRole(ctx, teamID, userID, role, check)
	return eff, s.publish(ctx, eff, err)
}

// RemoveTeamMember implements velro.Store.
func (s *Store) RemoveTeamMember(ctx context.Context, teamID, userID uuid.UUID, check velro.Check) (velro.Effects, error) {
	eff, err := s.raw.RemoveTeamMember(ctx, teamID, userID, check)
	return eff, s.publish(ctx, eff, err)
}

// CreateInvitation implements velro.Store.
func (s *Store) CreateInvitation(ctx context.Context, inv *velro.Invitation, check velro.Check) (velro.Effects, error) {
	eff, err := s.raw.CreateInvitation(ctx, inv, check)
	return eff, s.publish(ctx, eff, err)
}

// SetInvitationToken implements velro.Store.
func (s *Store) SetInvitationToken(ctx context.Context, id uuid.UUID, tokenHash string) (bool, velro.Effects, error) {
	v, eff, err := s.raw.SetInvitationToken(ctx, id, tokenHash)
	return v, eff, s.publish(ctx, eff, err)
}

// RevokeInvitation implements velro.Store.
func (s *Store) RevokeInvitation(ctx context.Context, teamID, id uuid.UUID, check velro.Check) (*velro.Invitation, velro.Effects, error) {
	v, eff, err := s.raw.RevokeInvitation(ctx, teamID, id, check)
	return v, eff, s.publish(ctx, eff, err)
}

// AcceptInvitation implements velro.Store.
func (s *Store) AcceptInvitation(ctx context.Context, tokenHash string, userID uuid.UUID) (*velro.Invitation, velro.Effects, error) {
	v, eff, err := s.raw.AcceptInvitation(ctx, tokenHash, userID)
	return v, eff, s.publish(ctx, eff, err)
}

// DeclineInvitation implements velro.Store.
func (s *Store) DeclineInvitation(ctx context.Context, tokenHash string, userID uuid.UUID) (*velro.Invitation, velro.Effects, error) {
	v, eff, err := s.raw.DeclineInvitation(ctx, tokenHash, userID)
	return v, eff, s.publish(ctx, eff, err)
}

// CreateGeneration implements velro.Store.
func (s *Store) CreateGeneration(ctx context.Context, g *velro.Generation) (velro.Effects, error) {
	eff, err := s.raw.CreateGeneration(ctx, g)
	return eff, s.publish(ctx, eff, err)
}

// SubmitGeneration implements velro.Store.
func (s *Store) SubmitGeneration(ctx context.Context, g *velro.Generation, key string, check velro.Check) (*velro.Generation, velro.Effects, error) {
	v, eff, err := s.raw.SubmitGeneration(ctx, g, key, check)
	return v, eff, s.publish(ctx, eff, err)
}

// StartGeneration implements velro.Store.
func (s *Store) StartGeneration(ctx context.Context, id uuid.UUID) (*velro.Generation, velro.Effects, error) {
	v, eff, err := s.raw.StartGeneration(ctx, id)
	return v, eff, s.publish(ctx, eff, err)
}

// SaveProviderState implements velro.Store.
func (s *Store) SaveProviderState(ctx context.Context, id uuid.UUID, state []byte) (velro.Effects, error) {
	eff, err := s.raw.SaveProviderState(ctx, id, state)
	return eff, s.publish(ctx, eff, err)
}

// CompleteGeneration implements velro.Store.
func (s *Store) CompleteGeneration(ctx context.Context, id uuid.UUID, outputs []string, size int64) (bool, velro.Effects, error) {
	v, eff, err := s.raw.CompleteGeneration(ctx, id, outputs, size)
	return v, eff, s.publish(ctx, eff, err)
}

// FailGeneration implements velro.Store.
func (s *Store) FailGeneration(ctx context.Context, id uuid.UUID, message string) (bool, velro.Effects, error) {
	v, eff, err := s.raw.FailGeneration(ctx, id, message)
	return v, eff, s.publish(ctx, eff, err)
}

// CancelGeneration implements velro.Store.
func (s *Store) CancelGeneration(ctx context.Context, id uuid.UUID, check velro.Check) (*velro.Generation, velro.Effects, error) {
	v, eff, err := s.raw.CancelGeneration(ctx, id, check)
	return v, eff, s.publish(ctx, eff, err)
}

// ToggleFavorite implements velro.Store.
func (s *Store) ToggleFavorite(ctx context.Context, id uuid.UUID, check velro.Check) (*velro.Generation, velro.Effects, error) {
	v, eff, err := s.raw.ToggleFavorite(ctx, id, check)
	return v, eff, s.publish(ctx, eff, err)
}

// DeleteGeneration implements velro.Store.
func (s *Store) DeleteGeneration(ctx context.Context, id uuid.UUID, check velro.Check) (velro.Effects, error) {
	eff, err := s.raw.DeleteGeneration(ctx, id, check)
	return eff, s.publish(ctx, eff, err)
}

// CreateUpload implements velro.Store.
func (s *Store) CreateUpload(ctx context.Context, u *velro.Upload, quota int64, check velro.Check) (velro.Effects, error) {
	eff, err := s.raw.CreateUpload(ctx, u, quota, check)
	return eff, s.publish(ctx, eff, err)
}

// DeleteUpload implements velro.Store.
func (s *Store) DeleteUpload(ctx context.Context, id uuid.UUID, check velro.Check) (*velro.Upload, velro.Effects, error) {
	v, eff, err := s.raw.DeleteUpload(ctx, id, check)
	return v, eff, s.publish(ctx, eff, err)
}
