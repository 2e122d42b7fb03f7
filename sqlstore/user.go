package sqlstore

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

var _ velro.UserStore = (*Store)(nil)

const userColumns = `id, email, password_hash, full_name, avatar_url, role, credits_balance, created_at, updated_at`

func scanUser(row Row) (*velro.User, error) {
	var u velro.User
	err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &u.FullName, &u.AvatarURL, &u.Role,
		&u.CreditsBalance, utc{&u.CreatedAt}, utc{&u.UpdatedAt})
	if err != nil {
		return nil, notFound(err, "User")
	}
	return &u, nil
}

// CreateUser implements velro.UserStore.
func (s *Store) CreateUser(ctx context.Context, u *velro.User) error {
	u.Email = strings.ToLower(u.Email)
	now := velro.Now()
	u.CreatedAt, u.UpdatedAt, u.CreditsBalance = now, now, 0
	return s.write(ctx, func(ctx context.Context, tx Querier) error {
		_, err := tx.Exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7)`,
			u.ID, u.Email, u.PasswordHash, u.FullName, u.AvatarURL, u.Role, now)
		if s.engine.IsUniqueViolation(err) {
			return velro.Errorf(velro.ECONFLICT, "An account with this email already exists.")
		} else if err != nil {
			return err
		}
		entry, err := addCredits(ctx, tx, u.ID, velro.CreditBonus, velro.WelcomeCredits, "Welcome bonus credits", nil, now)
		if err != nil {
			return err
		}
		u.CreditsBalance = entry.BalanceAfter
		registered := event(velro.AuditRegistered, "user", u.ID, map[string]any{"email": u.Email})
		registered.ActorID = &u.ID
		return audit(ctx, tx, registered)
	})
}

// FindUserByID implements velro.UserStore.
func (s *Store) FindUserByID(ctx context.Context, id uuid.UUID) (u *velro.User, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		u, err = scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
		return err
	})
	return u, err
}

// FindUserByEmail implements velro.UserStore.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (u *velro.User, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		u, err = scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, strings.ToLower(email)))
		return err
	})
	return u, err
}

// UpdateUser implements velro.UserStore.
func (s *Store) UpdateUser(ctx context.Context, id uuid.UUID, upd velro.UserUpdate) (u *velro.User, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		u, err = scanUser(tx.QueryRow(ctx, `UPDATE users SET
			full_name = COALESCE($2, full_name),
			avatar_url = COALESCE($3, avatar_url),
			role = COALESCE($4, role),
			updated_at = $5
			WHERE id = $1 RETURNING `+userColumns,
			id, upd.FullName, upd.AvatarURL, upd.Role, velro.Now()))
		if err != nil || upd.Role == nil {
			return err
		}
		return audit(ctx, tx, event(velro.AuditRoleChanged, "user", id, map[string]any{"role": *upd.Role}))
	})
	return u, err
}
