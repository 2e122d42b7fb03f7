package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// FindTOTP implements velro.Store.
func (s *Store) FindTOTP(ctx context.Context, userID uuid.UUID) (t *velro.TOTP, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		var v velro.TOTP
		err := q.QueryRow(ctx, `SELECT user_id, secret, confirmed_at IS NOT NULL, last_step, created_at FROM user_totp WHERE user_id = $1`, userID).
			Scan(&v.UserID, &v.Secret, &v.Confirmed, &v.LastStep, utc{&v.CreatedAt})
		t = &v
		return notFound(err, "TOTP")
	})
	return t, err
}

// BeginTOTP implements velro.Store. An unconfirmed secret changes nothing
// anyone holds: no effects.
func (s *Store) BeginTOTP(ctx context.Context, userID uuid.UUID, secret string) (velro.Effects, error) {
	return velro.Effects{}, s.write(ctx, func(ctx context.Context, tx Querier) error {
		if err := s.lockUser(ctx, tx, userID, false); err != nil {
			return err
		}
		var confirmed bool
		err := tx.QueryRow(ctx, `SELECT confirmed_at IS NOT NULL FROM user_totp WHERE user_id = $1`, userID).Scan(&confirmed)
		switch {
		case err == nil && confirmed:
			return velro.Errorf(velro.ECONFLICT, "Two-factor authentication is on already; turn it off first.")
		case err != nil && !errors.Is(err, ErrNoRows):
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_totp WHERE user_id = $1`, userID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO user_totp (user_id, secret, last_step, created_at) VALUES ($1, $2, 0, $3)`, userID, secret, velro.Now())
		return err
	})
}

// ConfirmTOTP implements velro.Store.
func (s *Store) ConfirmTOTP(ctx context.Context, userID uuid.UUID, step int64, recoveryHashes []string) (eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		if err := s.lockUser(ctx, tx, userID, false); err != nil {
			return err
		}
		now := velro.Now()
		n, err := tx.Exec(ctx, `UPDATE user_totp SET confirmed_at = $2, last_step = $3 WHERE user_id = $1 AND confirmed_at IS NULL`, userID, now, step)
		if err != nil {
			return err
		} else if n == 0 {
			if err := exists(ctx, tx, `SELECT 1 FROM user_totp WHERE user_id = $1`, userID, "TOTP enrollment"); err != nil {
				return err
			}
			return velro.Errorf(velro.ECONFLICT, "Two-factor authentication is on already.")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
			return err
		}
		for _, h := range recoveryHashes {
			if _, err := tx.Exec(ctx, `INSERT INTO recovery_codes (code_hash, user_id, created_at) VALUES ($1, $2, $3)`, h, userID, now); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET mfa_enabled_at = $2, updated_at = $2 WHERE id = $1`, userID, now); err != nil {
			return err
		}
		eff = velro.Effects{Users: []uuid.UUID{userID}}
		if err := auditedByOwner(ctx, tx, velro.AuditMFAEnabled, userID); err != nil {
			return err
		}
		return bumpAccountEpoch(ctx, tx)
	})
	return eff, err
}

// UseTOTPStep implements velro.Store. The step is never cached: no
// effects.
func (s *Store) UseTOTPStep(ctx context.Context, userID uuid.UUID, step int64) (bool, velro.Effects, error) {
	n, err := s.exec(ctx, `UPDATE user_totp SET last_step = $2 WHERE user_id = $1 AND last_step < $2 AND confirmed_at IS NOT NULL`, userID, step)
	return n == 1, velro.Effects{}, err
}

// DisableTOTP implements velro.Store.
func (s *Store) DisableTOTP(ctx context.Context, userID uuid.UUID) (eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		if err := s.lockUser(ctx, tx, userID, false); err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `DELETE FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL`, userID)
		if err != nil {
			return err
		} else if n == 0 {
			return velro.Errorf(velro.ENOTFOUND, "Two-factor authentication is not on.")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET mfa_enabled_at = NULL, updated_at = $2 WHERE id = $1`, userID, velro.Now()); err != nil {
			return err
		}
		eff = velro.Effects{Users: []uuid.UUID{userID}}
		if err := auditedByOwner(ctx, tx, velro.AuditMFADisabled, userID); err != nil {
			return err
		}
		return bumpAccountEpoch(ctx, tx)
	})
	return eff, err
}

// CreateMFAChallenge implements velro.Store. Challenges are not cached:
// no effects.
func (s *Store) CreateMFAChallenge(ctx context.Context, c *velro.MFAChallenge) (velro.Effects, error) {
	_, err := s.exec(ctx, `INSERT INTO mfa_challenges (token_hash, user_id, method, failures, expires_at, created_at) VALUES ($1, $2, $3, 0, $4, $5)`,
		c.TokenHash, c.UserID, c.Method, at(c.ExpiresAt), velro.Now())
	return velro.Effects{}, err
}

// FindMFAChallenge implements velro.Store.
func (s *Store) FindMFAChallenge(ctx context.Context, tokenHash string) (c *velro.MFAChallenge, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		var v velro.MFAChallenge
		err := q.QueryRow(ctx, `SELECT token_hash, user_id, method, failures, expires_at, used_at IS NOT NULL FROM mfa_challenges WHERE token_hash = $1`, tokenHash).
			Scan(&v.TokenHash, &v.UserID, &v.Method, &v.Failures, utc{&v.ExpiresAt}, &v.Used)
		c = &v
		return notFound(err, "MFA challenge")
	})
	return c, err
}

// FailMFAChallenge implements velro.Store.
func (s *Store) FailMFAChallenge(ctx context.Context, tokenHash string) (velro.Effects, error) {
	_, err := s.exec(ctx, `UPDATE mfa_challenges SET failures = failures + 1 WHERE token_hash = $1`, tokenHash)
	return velro.Effects{}, err
}

var errFactorRefused = velro.Errorf(velro.EUNAUTHORIZED, "The code is wrong, was used already, or the sign-in expired.")

// PassMFAChallenge implements velro.Store. Both conditional updates
// commit together or not at all: two requests with one code (or one
// challenge) pass once.
func (s *Store) PassMFAChallenge(ctx context.Context, tokenHash string, f velro.SecondFactor, now time.Time) (c *velro.MFAChallenge, eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		var v velro.MFAChallenge
		err := tx.QueryRow(ctx, `UPDATE mfa_challenges SET used_at = $2
			WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 AND failures < $3
			RETURNING token_hash, user_id, method, failures, expires_at`, tokenHash, at(now), velro.MFAChallengeTries).
			Scan(&v.TokenHash, &v.UserID, &v.Method, &v.Failures, utc{&v.ExpiresAt})
		if errors.Is(err, ErrNoRows) {
			return errFactorRefused
		} else if err != nil {
			return err
		}
		v.Used, c = true, &v
		var n int64
		if f.RecoveryCodeHash != "" {
			n, err = tx.Exec(ctx, `UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`,
				v.UserID, f.RecoveryCodeHash, at(now))
		} else {
			n, err = tx.Exec(ctx, `UPDATE user_totp SET last_step = $2 WHERE user_id = $1 AND last_step < $2 AND confirmed_at IS NOT NULL`, v.UserID, f.Step)
		}
		if err != nil {
			return err
		} else if n == 0 {
			return errFactorRefused
		}
		if f.RecoveryCodeHash != "" {
			return auditedByOwner(ctx, tx, velro.AuditRecoveryCodeUsed, v.UserID)
		}
		return nil
	})
	return c, velro.Effects{}, err
}
