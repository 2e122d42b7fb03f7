package sqlstore

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

const userColumns = `id, email, password_hash, full_name, avatar_url, role, credits_balance, created_at, updated_at,
	email_verified_at IS NOT NULL, disabled_at IS NOT NULL, mfa_enabled_at IS NOT NULL`

func scanUser(row Row) (*velro.User, error) {
	var u velro.User
	err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &u.FullName, &u.AvatarURL, &u.Role,
		&u.CreditsBalance, utc{&u.CreatedAt}, utc{&u.UpdatedAt}, &u.EmailVerified, &u.Disabled, &u.MFAEnabled)
	if err != nil {
		return nil, notFound(err, "User")
	}
	return &u, nil
}

// CreateUser implements velro.Store.
// A new account is in no cache: no effects.
func (s *Store) CreateUser(ctx context.Context, u *velro.User) (velro.Effects, error) {
	u.Email = strings.ToLower(u.Email)
	now := velro.Now()
	u.CreatedAt, u.UpdatedAt, u.CreditsBalance = now, now, 0
	return velro.Effects{}, s.write(ctx, func(ctx context.Context, tx Querier) error {
		_, err := tx.Exec(ctx, `INSERT INTO users (id, email, password_hash, full_name, avatar_url, role, credits_balance, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7)`,
			u.ID, u.Email, u.PasswordHash, u.FullName, u.AvatarURL, u.Role, now)
		if s.engine.IsUniqueViolation(err) {
			return velro.Errorf(velro.ECONFLICT, "An account with this email already exists.")
		} else if err != nil {
			return err
		}
		entry, err := addCredits(ctx, tx, u.ID, velro.CreditBonus, velro.WelcomeCredits, "Welcome bonus credits", nil, "", now)
		if err != nil {
			return err
		}
		u.CreditsBalance = entry.BalanceAfter
		registered := event(velro.AuditRegistered, "user", u.ID, map[string]any{"email": u.Email})
		registered.ActorID = &u.ID
		return audit(ctx, tx, registered)
	})
}

// FindUserByID implements velro.Store.
func (s *Store) FindUserByID(ctx context.Context, id uuid.UUID) (u *velro.User, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		u, err = findUser(ctx, q, id)
		return err
	})
	return u, err
}

func findUser(ctx context.Context, q Querier, id uuid.UUID) (*velro.User, error) {
	return scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
}

// FindUserByEmail implements velro.Store.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (u *velro.User, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		u, err = scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, strings.ToLower(email)))
		return err
	})
	return u, err
}

// UpdateUser implements velro.Store.
func (s *Store) UpdateUser(ctx context.Context, id uuid.UUID, upd velro.UserUpdate) (u *velro.User, eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		u, err = scanUser(tx.QueryRow(ctx, `UPDATE users SET
			full_name = COALESCE($2, full_name),
			avatar_url = COALESCE($3, avatar_url),
			updated_at = $4
			WHERE id = $1 RETURNING `+userColumns,
			id, upd.FullName, upd.AvatarURL, velro.Now()))
		eff = velro.Effects{Users: []uuid.UUID{id}}
		return err
	})
	return u, eff, err
}

// likePattern matches text containing query with LIKE ... ESCAPE '\',
// any case (both sides are lower-cased).
func likePattern(query string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(query)) + "%"
}

// ListUsers implements velro.Store.
func (s *Store) ListUsers(ctx context.Context, query string, page velro.Page) (list []*velro.User, total int, err error) {
	const where = `WHERE email LIKE $1 ESCAPE '\' OR lower(full_name) LIKE $1 ESCAPE '\'`
	pattern := likePattern(query)
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		if err := q.QueryRow(ctx, `SELECT count(*) FROM users `+where, pattern).Scan(&total); err != nil {
			return err
		}
		rows, err := q.Query(ctx, `SELECT `+userColumns+` FROM users `+where+` ORDER BY created_at, id LIMIT $2 OFFSET $3`,
			pattern, page.Limit, page.Offset)
		if err != nil {
			return err
		}
		list, err = collect(rows, scanUser)
		return err
	})
	return list, total, err
}

// bumpAccountEpoch records, in the transaction of a write that changes
// what may use an account, that such a write happened: servers on the same
// SQLite file look at it on every request (sqlite.Watch).
func bumpAccountEpoch(ctx context.Context, tx Querier) error {
	_, err := tx.Exec(ctx, `UPDATE account_epoch SET value = value + 1 WHERE id = 1`)
	return err
}

// endSessions revokes every live session of the user but keep and
// returns them. Its transaction holds the user's access lock (lockUser),
// so no login adds a session it would miss.
func endSessions(ctx context.Context, tx Querier, userID, keep uuid.UUID) ([]uuid.UUID, error) {
	return ids(ctx, tx, `UPDATE sessions SET revoked_at = $3 WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL RETURNING id`,
		userID, keep, velro.Now())
}

// ControlAccount implements velro.Store.
func (s *Store) ControlAccount(ctx context.Context, id uuid.UUID, c velro.AccountControl) (u *velro.User, eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		now := velro.Now()
		if err := s.lockUser(ctx, tx, id, false); err != nil {
			return err
		}
		var ended []uuid.UUID
		if err := exists(ctx, tx, `SELECT 1 FROM users WHERE id = $1`, id, "User"); err != nil {
			return err
		}
		if c.Role != nil {
			if _, err := tx.Exec(ctx, `UPDATE users SET role = $2, updated_at = $3 WHERE id = $1`, id, *c.Role, now); err != nil {
				return err
			}
			if err := audit(ctx, tx, event(velro.AuditRoleChanged, "user", id, map[string]any{"role": *c.Role})); err != nil {
				return err
			}
		}
		switch {
		case c.Disabled == nil:
		case *c.Disabled:
			if _, err := tx.Exec(ctx, `UPDATE users SET disabled_at = COALESCE(disabled_at, $2), updated_at = $2 WHERE id = $1`, id, now); err != nil {
				return err
			}
			if ended, err = endSessions(ctx, tx, id, uuid.Nil); err != nil {
				return err
			}
			if err := audit(ctx, tx, event(velro.AuditDisabled, "user", id, nil)); err != nil {
				return err
			}
		default:
			if _, err := tx.Exec(ctx, `UPDATE users SET disabled_at = NULL, updated_at = $2 WHERE id = $1`, id, now); err != nil {
				return err
			}
			if err := audit(ctx, tx, event(velro.AuditEnabled, "user", id, nil)); err != nil {
				return err
			}
		}
		if err := bumpAccountEpoch(ctx, tx); err != nil {
			return err
		}
		u, err = findUser(ctx, tx, id)
		eff = velro.Effects{Users: []uuid.UUID{id}, Sessions: ended}
		return err
	})
	return u, eff, err
}
