package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// CreateSession implements velro.Store: a login, audited. A new session
// is in no cache: no effects. It holds its account's access lock shared,
// so a write that ends the account's sessions sees it or comes after it.
func (s *Store) CreateSession(ctx context.Context, sess *velro.Session) (velro.Effects, error) {
	return velro.Effects{}, s.write(ctx, func(ctx context.Context, tx Querier) error {
		if err := s.lockUser(ctx, tx, sess.UserID, true); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (id, user_id, counter, created_at, refreshed_at, method, mfa, ip, user_agent)
			VALUES ($1, $2, 0, $3, $4, $5, $6, $7, $8)`, sess.ID, sess.UserID, at(sess.CreatedAt), at(sess.RefreshedAt),
			sess.Method, sess.MFA, sess.IP, sess.UserAgent); err != nil {
			return err
		}
		login := event(velro.AuditLogin, "session", sess.ID, map[string]any{"method": sess.Method, "mfa": sess.MFA})
		login.ActorID = &sess.UserID
		return audit(ctx, tx, login)
	})
}

// FindSession implements velro.Store.
func (s *Store) FindSession(ctx context.Context, id uuid.UUID) (sess *velro.Session, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		sess, err = scanSession(q.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1`, id))
		return notFound(err, "Session")
	})
	return sess, err
}

const sessionColumns = `s.id, s.user_id, s.counter, s.created_at, s.refreshed_at, s.revoked_at, u.disabled_at IS NOT NULL,
	s.method, s.mfa, s.ip, s.user_agent`

func scanSession(row Row) (*velro.Session, error) {
	var v velro.Session
	err := row.Scan(&v.ID, &v.UserID, &v.Counter, utc{&v.CreatedAt}, utc{&v.RefreshedAt}, nullUTC{&v.RevokedAt}, &v.AccountDisabled,
		&v.Method, &v.MFA, &v.IP, &v.UserAgent)
	return &v, err
}

// ListSessions implements velro.Store. The lifetime conditions are
// RotateSession's.
func (s *Store) ListSessions(ctx context.Context, userID uuid.UUID, now time.Time, l velro.SessionLifetime, page velro.Page) (list []*velro.Session, total int, err error) {
	const where = `WHERE s.user_id = $1 AND s.revoked_at IS NULL AND s.refreshed_at > $2 AND s.created_at > $3`
	idle, max := at(now.Add(-l.Idle)), at(now.Add(-l.Max))
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		if err := q.QueryRow(ctx, `SELECT count(*) FROM sessions s `+where, userID, idle, max).Scan(&total); err != nil {
			return err
		}
		rows, err := q.Query(ctx, `SELECT `+sessionColumns+` FROM sessions s JOIN users u ON u.id = s.user_id `+where+`
			ORDER BY s.refreshed_at DESC, s.id DESC LIMIT $4 OFFSET $5`, userID, idle, max, page.Limit, page.Offset)
		if err != nil {
			return err
		}
		list, err = collect(rows, scanSession)
		return err
	})
	return list, total, err
}

// EndSession implements velro.Store.
func (s *Store) EndSession(ctx context.Context, userID, id uuid.UUID, now time.Time) (eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		n, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`, id, userID, at(now))
		if err != nil {
			return err
		} else if n == 0 {
			return velro.Errorf(velro.ENOTFOUND, "Session not found.")
		}
		ended := event(velro.AuditSessionEnded, "session", id, nil)
		ended.ActorID = &userID
		eff = velro.Effects{Sessions: []uuid.UUID{id}}
		return audit(ctx, tx, ended)
	})
	return eff, err
}

// EndOtherSessions implements velro.Store. It takes the account's access
// lock, as a password change does, so no login slips between.
func (s *Store) EndOtherSessions(ctx context.Context, userID, keep uuid.UUID) (n int, eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		if err := s.lockUser(ctx, tx, userID, false); err != nil {
			return err
		}
		ended, err := endSessions(ctx, tx, userID, keep)
		if err != nil {
			return err
		}
		n = len(ended)
		ev := event(velro.AuditOtherSessionsEnd, "user", userID, map[string]any{"sessions": n, "kept": keep})
		ev.ActorID = &userID
		if n > 0 {
			eff = velro.Effects{Sessions: ended}
		}
		return audit(ctx, tx, ev)
	})
	return n, eff, err
}

// RotateSession implements velro.Store.
// The lifetime conditions are part of the one conditional update, so a
// refresh stays one round trip (velro.Session.Expired is the same rule).
// The counter is never cached: no effects.
func (s *Store) RotateSession(ctx context.Context, id uuid.UUID, from int64, now time.Time, l velro.SessionLifetime) (userID uuid.UUID, rotated bool, _ velro.Effects, err error) {
	defer s.observe(time.Now())
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	err = s.engine.Writer().QueryRow(ctx, `UPDATE sessions SET counter = counter + 1, refreshed_at = $3
		WHERE id = $1 AND counter = $2 AND revoked_at IS NULL AND refreshed_at > $4 AND created_at > $5
		RETURNING user_id`, id, from, at(now), at(now.Add(-l.Idle)), at(now.Add(-l.Max))).Scan(&userID)
	if errors.Is(err, ErrNoRows) {
		return userID, false, velro.Effects{}, nil
	}
	return userID, err == nil, velro.Effects{}, s.mapError(ctx, err)
}

// RevokeSession implements velro.Store.
func (s *Store) RevokeSession(ctx context.Context, id uuid.UUID, now time.Time, why velro.AuditAction) (eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		var user uuid.UUID
		err := tx.QueryRow(ctx, `UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING user_id`, id, at(now)).Scan(&user)
		if errors.Is(err, ErrNoRows) {
			return nil // already revoked, or no such session
		} else if err != nil {
			return err
		}
		ev := event(why, "session", id, nil)
		if why == velro.AuditRefreshReuse { // nobody acted: a stolen token was presented
			ev.Details = map[string]any{"user_id": user}
		} else {
			ev.ActorID = &user
		}
		eff = velro.Effects{Sessions: []uuid.UUID{id}}
		return audit(ctx, tx, ev)
	})
	return eff, err
}
