package velro

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// AccountRole is what an account may do on the platform as a whole.
type AccountRole string

// Account roles (User.Role).
const (
	UserRole  AccountRole = "user"
	AdminRole AccountRole = "admin"
)

// User is an account. Email is stored lower-cased; it is unique.
type User struct {
	ID             uuid.UUID   `json:"id"`
	Email          string      `json:"email"`
	FullName       string      `json:"full_name"`
	AvatarURL      string      `json:"avatar_url"`
	Role           AccountRole `json:"role" enum:"user,admin"`
	CreditsBalance int64       `json:"credits_balance"`
	CreatedAt      time.Time   `json:"created_at"`
	UpdatedAt      time.Time   `json:"updated_at"`

	// PasswordHash is an argon2id PHC string; it never leaves the server.
	PasswordHash string `json:"-"`
}

// UserUpdate is a partial profile update; nil fields stay as they are.
type UserUpdate struct {
	FullName  *string
	AvatarURL *string
	Role      *AccountRole
}

// UserStore keeps accounts.
type UserStore interface {
	// CreateUser inserts u and credits it with WelcomeCredits through a
	// "bonus" ledger entry, in one transaction. It fills u's balance and
	// timestamps. ECONFLICT if the email is taken.
	CreateUser(ctx context.Context, u *User) error
	// FindUserByID returns ENOTFOUND when there is no such user.
	FindUserByID(ctx context.Context, id uuid.UUID) (*User, error)
	// FindUserByEmail matches the lower-cased email; ENOTFOUND if absent.
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	// UpdateUser applies upd and returns the updated user; ENOTFOUND if absent.
	UpdateUser(ctx context.Context, id uuid.UUID, upd UserUpdate) (*User, error)
}
