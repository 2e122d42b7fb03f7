package guard

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// The writes, each followed by the invalidations invalidate.go lists.

// CreateUser implements velro.UserStore: a new account is in no cache.
func (s *Store) CreateUser(ctx context.Context, u *velro.User) error { return s.raw.CreateUser(ctx, u) }

// UpdateUser implements velro.UserStore.
func (s *Store) UpdateUser(ctx context.Context, id uuid.UUID, upd velro.UserUpdate) (*velro.User, error) {
	u, err := s.raw.UpdateUser(ctx, id, upd)
	s.usersChanged(ctx, id)
	return u, err
}

// CreateSession implements velro.SessionStore: a new session is in no
// cache.
func (s *Store) CreateSession(ctx context.Context, sess *velro.Session) error {
	return s.raw.CreateSession(ctx, sess)
}

// RotateSession implements velro.SessionStore: the counter is never
// cached, so nothing goes stale.
func (s *Store) RotateSession(ctx context.Context, id uuid.UUID, from int64, now time.Time, l velro.SessionLifetime) (uuid.UUID, bool, error) {
	return s.raw.RotateSession(ctx, id, from, now, l)
}

// RevokeSession implements velro.SessionStore.
func (s *Store) RevokeSession(ctx context.Context, id uuid.UUID, now time.Time, why velro.AuditAction) error {
	if err := s.raw.RevokeSession(ctx, id, now, why); err != nil {
		return err
	}
	_ = s.sessionRevoked(ctx, id)
	return nil
}

// Secret implements velro.SecretStore: secrets are read once at start-up.
func (s *Store) Secret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, error) {
	return s.raw.Secret(ctx, name, generate)
}

// CreateSigningKey implements velro.SigningKeyStore: the first key is
// created at start-up, before any instance could have cached another.
func (s *Store) CreateSigningKey(ctx context.Context, k *velro.SigningKey) (bool, error) {
	return s.raw.CreateSigningKey(ctx, k)
}

// RotateSigningKey implements velro.SigningKeyStore: every instance
// reloads its keys.
func (s *Store) RotateSigningKey(ctx context.Context, k *velro.SigningKey, dropBefore time.Time) error {
	err := s.raw.RotateSigningKey(ctx, k, dropBefore)
	if velro.ErrorCode(err) != velro.ECONFLICT {
		s.signingKeysChanged(ctx)
	}
	return err
}

// GrantCredits implements velro.CreditStore.
func (s *Store) GrantCredits(ctx context.Context, userID uuid.UUID, amount int64, description string) (*velro.CreditTransaction, error) {
	entry, err := s.raw.GrantCredits(ctx, userID, amount, description)
	s.usersChanged(ctx, userID)
	return entry, err
}

// CreateProject implements velro.ProjectStore: nobody but its owner has
// access yet, and no decision about it is cached.
func (s *Store) CreateProject(ctx context.Context, p *velro.Project) error {
	return s.raw.CreateProject(ctx, p)
}

// UpdateProject implements velro.ProjectStore.
func (s *Store) UpdateProject(ctx context.Context, id uuid.UUID, upd velro.ProjectUpdate, check velro.Check) (*velro.Project, velro.AccessChange, error) {
	p, change, err := s.raw.UpdateProject(ctx, id, upd, check)
	s.afterAccessWrite(ctx, change, err)
	return p, change, err
}

// DeleteProject implements velro.ProjectStore.
func (s *Store) DeleteProject(ctx context.Context, id uuid.UUID, check velro.Check) (velro.AccessChange, error) {
	change, err := s.raw.DeleteProject(ctx, id, check)
	s.afterAccessWrite(ctx, change, err)
	return change, err
}

// ShareProject implements velro.ProjectStore.
func (s *Store) ShareProject(ctx context.Context, share *velro.ProjectShare, check velro.Check) (velro.AccessChange, error) {
	change, err := s.raw.ShareProject(ctx, share, check)
	s.afterAccessWrite(ctx, change, err)
	return change, err
}

// UnshareProject implements velro.ProjectStore.
func (s *Store) UnshareProject(ctx context.Context, projectID, teamID uuid.UUID, check velro.Check) (velro.AccessChange, error) {
	change, err := s.raw.UnshareProject(ctx, projectID, teamID, check)
	s.afterAccessWrite(ctx, change, err)
	return change, err
}

// CreateTeam implements velro.TeamStore: its only member is its owner, and
// no project is shared with it yet.
func (s *Store) CreateTeam(ctx context.Context, t *velro.Team) error { return s.raw.CreateTeam(ctx, t) }

// UpdateTeam implements velro.TeamStore: name and description change no
// access.
func (s *Store) UpdateTeam(ctx context.Context, id uuid.UUID, upd velro.TeamUpdate, check velro.Check) (*velro.Team, error) {
	return s.raw.UpdateTeam(ctx, id, upd, check)
}

// DeleteTeam implements velro.TeamStore.
func (s *Store) DeleteTeam(ctx context.Context, id uuid.UUID, check velro.Check) (velro.AccessChange, error) {
	change, err := s.raw.DeleteTeam(ctx, id, check)
	s.afterAccessWrite(ctx, change, err)
	return change, err
}

// AddTeamMember implements velro.TeamStore.
func (s *Store) AddTeamMember(ctx context.Context, teamID, userID uuid.UUID, role velro.TeamRole, check velro.Check) (velro.AccessChange, error) {
	change, err := s.raw.AddTeamMember(ctx, teamID, userID, role, check)
	s.afterAccessWrite(ctx, change, err)
	return change, err
}

// SetTeamMemberRole implements velro.TeamStore.
func (s *Store) SetTeamMemberRole(ctx context.Context, teamID, userID uuid.UUID, role velro.TeamRole, check velro.Check) (velro.AccessChange, error) {
	change, err := s.raw.SetTeamMemberRole(ctx, teamID, userID, role, check)
	s.afterAccessWrite(ctx, change, err)
	return change, err
}

// RemoveTeamMember implements velro.TeamStore.
func (s *Store) RemoveTeamMember(ctx context.Context, teamID, userID uuid.UUID, check velro.Check) (velro.AccessChange, error) {
	change, err := s.raw.RemoveTeamMember(ctx, teamID, userID, check)
	s.afterAccessWrite(ctx, change, err)
	return change, err
}

// CreateGeneration implements velro.GenerationStore: a new row is in no
// cache and moves no credits.
func (s *Store) CreateGeneration(ctx context.Context, g *velro.Generation) error {
	return s.raw.CreateGeneration(ctx, g)
}

// SubmitGeneration implements velro.GenerationStore: it charges.
func (s *Store) SubmitGeneration(ctx context.Context, g *velro.Generation, key string, check velro.Check) (*velro.Generation, error) {
	existing, err := s.raw.SubmitGeneration(ctx, g, key, check)
	s.usersChanged(ctx, g.UserID)
	return existing, err
}

// StartGeneration implements velro.GenerationStore.
func (s *Store) StartGeneration(ctx context.Context, id uuid.UUID) (*velro.Generation, error) {
	g, err := s.raw.StartGeneration(ctx, id)
	s.generationChanged(ctx, id)
	return g, err
}

// SaveProviderState implements velro.GenerationStore: the state is not
// part of a cached generation.
func (s *Store) SaveProviderState(ctx context.Context, id uuid.UUID, state []byte) error {
	return s.raw.SaveProviderState(ctx, id, state)
}

// CompleteGeneration implements velro.GenerationStore.
func (s *Store) CompleteGeneration(ctx context.Context, id uuid.UUID, outputs []string, size int64) (bool, error) {
	done, err := s.raw.CompleteGeneration(ctx, id, outputs, size)
	s.generationChanged(ctx, id)
	return done, err
}

// FailGeneration implements velro.GenerationStore: it may refund.
func (s *Store) FailGeneration(ctx context.Context, id uuid.UUID, message string) (bool, error) {
	return withOwner(ctx, s, id, func() (bool, error) { return s.raw.FailGeneration(ctx, id, message) })
}

// CancelGeneration implements velro.GenerationStore: it refunds.
func (s *Store) CancelGeneration(ctx context.Context, id uuid.UUID, check velro.Check) (*velro.Generation, error) {
	return withOwner(ctx, s, id, func() (*velro.Generation, error) { return s.raw.CancelGeneration(ctx, id, check) })
}

// ToggleFavorite implements velro.GenerationStore.
func (s *Store) ToggleFavorite(ctx context.Context, id uuid.UUID, check velro.Check) (*velro.Generation, error) {
	g, err := s.raw.ToggleFavorite(ctx, id, check)
	s.generationChanged(ctx, id)
	return g, err
}

// DeleteGeneration implements velro.GenerationStore: it changes access
// (the generation is gone) and may refund.
func (s *Store) DeleteGeneration(ctx context.Context, id uuid.UUID, check velro.Check) (velro.AccessChange, error) {
	return withOwner(ctx, s, id, func() (velro.AccessChange, error) {
		change, err := s.raw.DeleteGeneration(ctx, id, check)
		s.afterAccessWrite(ctx, change, err)
		return change, err
	})
}

// withOwner runs a write that ends a generation (and may refund it), then
// announces the change of the generation and of its owner's balance. The
// owner of a generation never changes, so it is read first.
func withOwner[T any](ctx context.Context, s *Store, id uuid.UUID, write func() (T, error)) (T, error) {
	g, err := s.raw.FindGeneration(ctx, id)
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := write()
	s.generationChanged(ctx, id)
	s.usersChanged(ctx, g.UserID)
	return v, err
}

// CreateUpload implements velro.UploadStore: a new upload is in no cache,
// and the usage it adds is not part of a cached account.
func (s *Store) CreateUpload(ctx context.Context, u *velro.Upload, quota int64, check velro.Check) error {
	return s.raw.CreateUpload(ctx, u, quota, check)
}

// DeleteUpload implements velro.UploadStore: it changes access (the upload
// is gone).
func (s *Store) DeleteUpload(ctx context.Context, id uuid.UUID, check velro.Check) (*velro.Upload, velro.AccessChange, error) {
	u, change, err := s.raw.DeleteUpload(ctx, id, check)
	s.afterAccessWrite(ctx, change, err)
	return u, change, err
}

// RecordAudit implements velro.AuditStore: the audit log is not cached.
func (s *Store) RecordAudit(ctx context.Context, ev *velro.AuditEvent) error {
	return s.raw.RecordAudit(ctx, ev)
}

// PruneAudit implements velro.AuditStore: the audit log is not cached.
func (s *Store) PruneAudit(ctx context.Context, before time.Time) (int64, error) {
	return s.raw.PruneAudit(ctx, before)
}
