package guard

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// The writes of accounts, sessions, keys, credits and the audit log. Each
// publishes the effects the store returned (effects.go).

// CreateUser implements velro.Store.
func (s *Store) CreateUser(ctx context.Context, u *velro.User) (velro.Effects, error) {
	eff, err := s.raw.CreateUser(ctx, u)
	return eff, s.publish(ctx, eff, err)
}

// UpdateUser implements velro.Store.
func (s *Store) UpdateUser(ctx context.Context, id uuid.UUID, upd velro.UserUpdate) (*velro.User, velro.Effects, error) {
	v, eff, err := s.raw.UpdateUser(ctx, id, upd)
	return v, eff, s.publish(ctx, eff, err)
}

// ControlAccount implements velro.Store.
func (s *Store) ControlAccount(ctx context.Context, id uuid.UUID, c velro.AccountControl) (*velro.User, velro.Effects, error) {
	v, eff, err := s.raw.ControlAccount(ctx, id, c)
	return v, eff, s.publish(ctx, eff, err)
}

// DeleteUser implements velro.Store.
func (s *Store) DeleteUser(ctx context.Context, id uuid.UUID, check velro.Check) (velro.Effects, error) {
	eff, err := s.raw.DeleteUser(ctx, id, check)
	return eff, s.publish(ctx, eff, err)
}

// IssueAccountToken implements velro.Store.
func (s *Store) IssueAccountToken(ctx context.Context, userID uuid.UUID, purpose velro.TokenPurpose, hash string, expiresAt time.Time) (velro.Effects, error) {
	eff, err := s.raw.IssueAccountToken(ctx, userID, purpose, hash, expiresAt)
	return eff, s.publish(ctx, eff, err)
}

// ChangePassword implements velro.Store.
func (s *Store) ChangePassword(ctx context.Context, userID uuid.UUID, passwordHash string, keep uuid.UUID) (velro.Effects, error) {
	eff, err := s.raw.ChangePassword(ctx, userID, passwordHash, keep)
	return eff, s.publish(ctx, eff, err)
}

// ResetPassword implements velro.Store.
func (s *Store) ResetPassword(ctx context.Context, tokenHash, passwordHash string) (*velro.User, velro.Effects, error) {
	v, eff, err := s.raw.ResetPassword(ctx, tokenHash, passwordHash)
	return v, eff, s.publish(ctx, eff, err)
}

// VerifyEmail implements velro.Store.
func (s *Store) VerifyEmail(ctx context.Context, tokenHash string) (*velro.User, velro.Effects, error) {
	v, eff, err := s.raw.VerifyEmail(ctx, tokenHash)
	return v, eff, s.publish(ctx, eff, err)
}

// QueueMail implements velro.Store.
func (s *Store) QueueMail(ctx context.Context, m velro.MailJob) (velro.Effects, error) {
	eff, err := s.raw.QueueMail(ctx, m)
	return eff, s.publish(ctx, eff, err)
}

// CreateSession implements velro.Store.
func (s *Store) CreateSession(ctx context.Context, sess *velro.Session) (velro.Effects, error) {
	eff, err := s.raw.CreateSession(ctx, sess)
	return eff, s.publish(ctx, eff, err)
}

// RotateSession implements velro.Store.
func (s *Store) RotateSession(ctx context.Context, id uuid.UUID, from int64, now time.Time, l velro.SessionLifetime) (uuid.UUID, bool, velro.Effects, error) {
	r0, r1, eff, err := s.raw.RotateSession(ctx, id, from, now, l)
	return r0, r1, eff, s.publish(ctx, eff, err)
}

// RevokeSession implements velro.Store.
func (s *Store) RevokeSession(ctx context.Context, id uuid.UUID, now time.Time, why velro.AuditAction) (velro.Effects, error) {
	eff, err := s.raw.RevokeSession(ctx, id, now, why)
	return eff, s.publish(ctx, eff, err)
}

// Secret implements velro.Store.
func (s *Store) Secret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, velro.Effects, error) {
	v, eff, err := s.raw.Secret(ctx, name, generate)
	return v, eff, s.publish(ctx, eff, err)
}

// CreateSigningKey implements velro.Store.
func (s *Store) CreateSigningKey(ctx context.Context, k *velro.SigningKey) (bool, velro.Effects, error) {
	v, eff, err := s.raw.CreateSigningKey(ctx, k)
	return v, eff, s.publish(ctx, eff, err)
}

// RotateSigningKey implements velro.Store.
func (s *Store) RotateSigningKey(ctx context.Context, k *velro.SigningKey, dropBefore time.Time) (velro.Effects, error) {
	eff, err := s.raw.RotateSigningKey(ctx, k, dropBefore)
	return eff, s.publish(ctx, eff, err)
}

// GrantCredits implements velro.Store.
func (s *Store) GrantCredits(ctx context.Context, userID uuid.UUID, amount int64, description string) (*velro.CreditTransaction, velro.Effects, error) {
	v, eff, err := s.raw.GrantCredits(ctx, userID, amount, description)
	return v, eff, s.publish(ctx, eff, err)
}

// RecordAudit implements velro.Store.
func (s *Store) RecordAudit(ctx context.Context, ev *velro.AuditEvent) (velro.Effects, error) {
	eff, err := s.raw.RecordAudit(ctx, ev)
	return eff, s.publish(ctx, eff, err)
}

// PruneAudit implements velro.Store.
func (s *Store) PruneAudit(ctx context.Context, before time.Time) (int64, velro.Effects, error) {
	v, eff, err := s.raw.PruneAudit(ctx, before)
	return v, eff, s.publish(ctx, eff, err)
}
