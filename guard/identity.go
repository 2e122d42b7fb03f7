package guard

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// The writes of sessions, second factors and email changes. Each
// publishes the effects the store returned (effects.go).

// EndSession implements velro.Store.
func (s *Store) EndSession(ctx context.Context, userID, id uuid.UUID, now time.Time) (velro.Effects, error) {
	eff, err := s.raw.EndSession(ctx, userID, id, now)
	return eff, s.publish(ctx, eff, err)
}

// EndOtherSessions implements velro.Store.
func (s *Store) EndOtherSessions(ctx context.Context, userID, keep uuid.UUID) (int, velro.Effects, error) {
	n, eff, err := s.raw.EndOtherSessions(ctx, userID, keep)
	return n, eff, s.publish(ctx, eff, err)
}

// BeginTOTP implements velro.Store.
func (s *Store) BeginTOTP(ctx context.Context, userID uuid.UUID, secret string) (velro.Effects, error) {
	eff, err := s.raw.BeginTOTP(ctx, userID, secret)
	return eff, s.publish(ctx, eff, err)
}

// ConfirmTOTP implements velro.Store.
func (s *Store) ConfirmTOTP(ctx context.Context, userID uuid.UUID, step int64, recoveryHashes []string) (velro.Effects, error) {
	eff, err := s.raw.ConfirmTOTP(ctx, userID, step, recoveryHashes)
	return eff, s.publish(ctx, eff, err)
}

// UseTOTPStep implements velro.Store.
func (s *Store) UseTOTPStep(ctx context.Context, userID uuid.UUID, step int64) (bool, velro.Effects, error) {
	ok, eff, err := s.raw.UseTOTPStep(ctx, userID, step)
	return ok, eff, s.publish(ctx, eff, err)
}

// DisableTOTP implements velro.Store.
func (s *Store) DisableTOTP(ctx context.Context, userID uuid.UUID) (velro.Effects, error) {
	eff, err := s.raw.DisableTOTP(ctx, userID)
	return eff, s.publish(ctx, eff, err)
}

// CreateMFAChallenge implements velro.Store.
func (s *Store) CreateMFAChallenge(ctx context.Context, c *velro.MFAChallenge) (velro.Effects, error) {
	eff, err := s.raw.CreateMFAChallenge(ctx, c)
	return eff, s.publish(ctx, eff, err)
}

// FailMFAChallenge implements velro.Store.
func (s *Store) FailMFAChallenge(ctx context.Context, tokenHash string) (velro.Effects, error) {
	eff, err := s.raw.FailMFAChallenge(ctx, tokenHash)
	return eff, s.publish(ctx, eff, err)
}

// PassMFAChallenge implements velro.Store.
func (s *Store) PassMFAChallenge(ctx context.Context, tokenHash string, f velro.SecondFactor, now time.Time) (*velro.MFAChallenge, velro.Effects, error) {
	c, eff, err := s.raw.PassMFAChallenge(ctx, tokenHash, f, now)
	return c, eff, s.publish(ctx, eff, err)
}
