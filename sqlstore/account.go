package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// IssueAccountToken implements velro.Store.
// Tokens are never cached: no effects.
func (s *Store) IssueAccountToken(ctx context.Context, userID uuid.UUID, purpose velro.TokenPurpose, hash string, expiresAt time.Time) (velro.Effects, error) {
	_, err := s.exec(ctx, `INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)`,
		hash, userID, purpose, at(expiresAt), velro.Now())
	return velro.Effects{}, err
}

var (
	errInvalidToken = velro.Errorf(velro.EINVALIDTOKEN, "This link is invalid or was already used.")
	errExpiredToken = velro.Errorf(velro.EEXPIRED, "This link has expired; ask for a new one.")
)

// useToken marks a token used in tx and returns its account: one use only,
// however many requests present it at once (the conditional update lets
// one through).
func useToken(ctx context.Context, tx Querier, hash string, purpose velro.TokenPurpose) (uuid.UUID, error) {
	var userID uuid.UUID
	var expires time.Time
	var used *time.Time
	err := tx.QueryRow(ctx, `SELECT user_id, expires_at, used_at FROM account_tokens WHERE token_hash = $1 AND purpose = $2`, hash, purpose).
		Scan(&userID, utc{&expires}, nullUTC{&used})
	switch {
	case errors.Is(err, ErrNoRows):
		return userID, errInvalidToken
	case err != nil:
		return userID, err
	case used != nil:
		return userID, errInvalidToken
	case !velro.Now().Before(expires):
		return userID, errExpiredToken
	}
	n, err := tx.Exec(ctx, `UPDATE account_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL`, hash, velro.Now())
	if err == nil && n == 0 {
		err = errInvalidToken
	}
	return userID, err
}

// retireResetTokens makes the account's unused reset links useless: after
// a password change or reset, an older link must not set it again.
func retireResetTokens(ctx context.Context, tx Querier, userID uuid.UUID) error {
	_, err := tx.Exec(ctx, `UPDATE account_tokens SET used_at = $2 WHERE user_id = $1 AND purpose = 'password_reset' AND used_at IS NULL`,
		userID, velro.Now())
	return err
}

// setPassword stores a new password hash, ends every session but keep and
// retires the reset links, in tx; its effects are the account's row and
// the sessions it ended.
func (s *Store) setPassword(ctx context.Context, tx Querier, userID uuid.UUID, passwordHash string, keep uuid.UUID) (velro.Effects, error) {
	if err := s.lockUser(ctx, tx, userID, false); err != nil {
		return velro.Effects{}, err
	}
	n, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1`, userID, passwordHash, velro.Now())
	if err != nil {
		return velro.Effects{}, err
	} else if n == 0 {
		return velro.Effects{}, velro.Errorf(velro.ENOTFOUND, "User not found.")
	}
	ended, err := endSessions(ctx, tx, userID, keep)
	if err != nil {
		return velro.Effects{}, err
	}
	if err := retireResetTokens(ctx, tx, userID); err != nil {
		return velro.Effects{}, err
	}
	return velro.Effects{Users: []uuid.UUID{userID}, Sessions: ended}, bumpAccountEpoch(ctx, tx)
}

// ChangePassword implements velro.Store.
func (s *Store) ChangePassword(ctx context.Context, userID uuid.UUID, passwordHash string, keep uuid.UUID) (eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		if eff, err = s.setPassword(ctx, tx, userID, passwordHash, keep); err != nil {
			return err
		}
		return audit(ctx, tx, event(velro.AuditPasswordChanged, "user", userID, nil))
	})
	return eff, err
}

// auditedByOwner records an event of the account's own (a link used: nobody was
// signed in, the link's owner acted).
func auditedByOwner(ctx context.Context, tx Querier, action velro.AuditAction, userID uuid.UUID) error {
	ev := event(action, "user", userID, nil)
	ev.ActorID = &userID
	return audit(ctx, tx, ev)
}

// markVerified records that the account's owner proved its address.
func markVerified(ctx context.Context, tx Querier, userID uuid.UUID) error {
	_, err := tx.Exec(ctx, `UPDATE users SET email_verified_at = COALESCE(email_verified_at, $2) WHERE id = $1`, userID, velro.Now())
	if err != nil {
		return err
	}
	return bumpAccountEpoch(ctx, tx)
}

// ResetPassword implements velro.Store.
func (s *Store) ResetPassword(ctx context.Context, tokenHash, passwordHash string) (u *velro.User, eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		userID, err := useToken(ctx, tx, tokenHash, velro.TokenPasswordReset)
		if err != nil {
			return err
		}
		if eff, err = s.setPassword(ctx, tx, userID, passwordHash, uuid.Nil); err != nil {
			return err
		}
		if err := markVerified(ctx, tx, userID); err != nil {
			return err
		}
		if err := auditedByOwner(ctx, tx, velro.AuditPasswordReset, userID); err != nil {
			return err
		}
		u, err = findUser(ctx, tx, userID)
		return err
	})
	return u, eff, err
}

// VerifyEmail implements velro.Store.
func (s *Store) VerifyEmail(ctx context.Context, tokenHash string) (u *velro.User, eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		userID, err := useToken(ctx, tx, tokenHash, velro.TokenEmailVerification)
		if err != nil {
			return err
		}
		if err := markVerified(ctx, tx, userID); err != nil {
			return err
		}
		if err := auditedByOwner(ctx, tx, velro.AuditEmailVerified, userID); err != nil {
			return err
		}
		u, err = findUser(ctx, tx, userID)
		eff = velro.Effects{Users: []uuid.UUID{userID}}
		return err
	})
	return u, eff, err
}

// QueueMail implements velro.Store.
// A queued mail is in no cache: no effects.
func (s *Store) QueueMail(ctx context.Context, m velro.MailJob) (velro.Effects, error) {
	return velro.Effects{}, s.write(ctx, func(ctx context.Context, tx Querier) error { return s.insertMail(ctx, tx, m) })
}

// insertMail queues a mail in tx: it is sent if and only if tx commits.
func (s *Store) insertMail(ctx context.Context, tx Querier, m velro.MailJob) error {
	if s.jobs == nil {
		return errNoQueue
	}
	return s.jobs.InsertMailJob(ctx, tx, m)
}

var errNoQueue = errors.New("sqlstore: no job queue configured")
