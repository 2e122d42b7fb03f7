package velro

import (
	"context"
	"net/mail"
	"strings"
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
	ID            uuid.UUID `json:"id"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"email_verified" doc:"The owner proved the address (a verification or password-reset link)"`
	FullName      string    `json:"full_name"`
	AvatarURL     string    `json:"avatar_url"`
	// Role is, as stored, the role an admin or the CLI granted; services
	// hand users out with their effective role (AdminEmails.Role).
	Role           AccountRole `json:"role" enum:"user,admin"`
	CreditsBalance int64       `json:"credits_balance"`
	// Disabled accounts cannot log in, and their tokens are refused.
	Disabled bool `json:"disabled"`
	// MFAEnabled: signing in takes a second factor (TOTP).
	MFAEnabled bool      `json:"mfa_enabled" doc:"Signing in takes a second factor (an authenticator app's code)"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`

	// PasswordHash is an argon2id PHC string; it never leaves the server.
	PasswordHash string `json:"-"`
}

// UserUpdate is a partial profile update; nil fields stay as they are.
type UserUpdate struct {
	FullName  *string
	AvatarURL *string
}

// AccountControl is what admins (and the CLI) change about an account;
// nil fields stay as they are.
type AccountControl struct {
	Role     *AccountRole
	Disabled *bool
}

// UserReader reads accounts.
type UserReader interface {
	// FindUserByID returns ENOTFOUND when there is no such user.
	FindUserByID(ctx context.Context, id uuid.UUID) (*User, error)
	// FindUserByEmail matches the lower-cased email; ENOTFOUND if absent.
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	// ListUsers returns a page of the accounts whose email or name
	// contains query (any case; "" for all), oldest first, and their number.
	ListUsers(ctx context.Context, query string, page Page) ([]*User, int, error)
}

// UserWriter creates, changes and deletes accounts.
type UserWriter interface {
	// CreateUser inserts u and credits it with WelcomeCredits through a
	// "bonus" ledger entry, in one transaction. It fills u's balance and
	// timestamps. ECONFLICT if the email is taken.
	CreateUser(ctx context.Context, u *User) (Effects, error)
	// UpdateUser applies upd and returns the updated user; ENOTFOUND if absent.
	UpdateUser(ctx context.Context, id uuid.UUID, upd UserUpdate) (*User, Effects, error)
	// ControlAccount sets the stored role and the disabled state;
	// disabling ends every session of the account in the same transaction.
	// ENOTFOUND if absent.
	ControlAccount(ctx context.Context, id uuid.UUID, c AccountControl) (*User, Effects, error)
	// DeleteUser deletes the account and everything it owns (sessions,
	// tokens, ledger, generations, projects, teams), under the access
	// locks of its teams and of the projects shared with them, after
	// re-checking the rule. The effects name, besides the caches, the
	// account's generations and uploads (whose media the caller removes):
	// Access.Generations and Access.Uploads. ENOTFOUND if absent.
	DeleteUser(ctx context.Context, id uuid.UUID, check Check) (Effects, error)
}

// NormalizeEmail lower-cases and trims an address and checks that it is
// one (EINVALID otherwise).
func NormalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndexByte(email, '@'):], ".") {
		return "", Invalid("email", "must be a valid email address")
	}
	return email, nil
}

// AdminEmails is VELRO_ADMIN_EMAILS: the addresses that are admins once
// they are verified.
type AdminEmails map[string]bool

// NewAdminEmails reads a list of addresses (any case, blanks ignored).
func NewAdminEmails(list []string) AdminEmails {
	a := AdminEmails{}
	for _, e := range list {
		if e = strings.ToLower(strings.TrimSpace(e)); e != "" {
			a[e] = true
		}
	}
	return a
}

// Role is u's effective role, the one rule every admin check applies:
// admin when an admin or the CLI granted it (the stored role), or when u's
// address is verified and listed; a disabled account is no admin. It is
// computed on every request, so an address taken off the list (a restart
// with another list) loses admin on its next request.
func (a AdminEmails) Role(u *User) AccountRole {
	if !u.Disabled && (u.Role == AdminRole || (u.EmailVerified && a[u.Email])) {
		return AdminRole
	}
	return UserRole
}

// Effective returns a copy of u with its effective role, for clients.
func (a AdminEmails) Effective(u *User) *User {
	cp := *u
	cp.Role = a.Role(u)
	return &cp
}
