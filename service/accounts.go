package service

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/auth"
	"github.com/velro-ai/velro/guard"
)

// accountStore is what Accounts needs of the (guarded) store.
type accountStore interface {
	guard.Guarded
	FindUserByID(ctx context.Context, id uuid.UUID) (*velro.User, error)
	FindUserByEmail(ctx context.Context, email string) (*velro.User, error)
	UpdateUser(ctx context.Context, id uuid.UUID, upd velro.UserUpdate) (*velro.User, velro.Effects, error)
	ListUsers(ctx context.Context, query string, page velro.Page) ([]*velro.User, int, error)
	ControlAccount(ctx context.Context, id uuid.UUID, c velro.AccountControl) (*velro.User, velro.Effects, error)
	DeleteUser(ctx context.Context, id uuid.UUID, check velro.Check) (velro.Effects, error)
	VerifyEmail(ctx context.Context, tokenHash string) (*velro.User, velro.Effects, error)
	QueueMail(ctx context.Context, m velro.MailJob) (velro.Effects, error)
	ExportAccount(ctx context.Context, userID uuid.UUID) (*velro.AccountExport, error)
	ListCreditTransactions(ctx context.Context, userID uuid.UUID, page velro.Page) ([]*velro.CreditTransaction, int, error)
	CreditStats(ctx context.Context, userID uuid.UUID, since time.Time) (velro.CreditStats, error)
	GrantCredits(ctx context.Context, userID uuid.UUID, amount int64, description string) (*velro.CreditTransaction, velro.Effects, error)
}

// PasswordChecker confirms that a caller knows their password
// (auth.Service).
type PasswordChecker interface {
	CheckPassword(ctx context.Context, p auth.Principal, password, clientAddr string) (*velro.User, error)
}

// AccountsConfig is what Accounts works with besides the store.
type AccountsConfig struct {
	// Admins is VELRO_ADMIN_EMAILS.
	Admins velro.AdminEmails
	// AdminMFA is VELRO_ADMIN_MFA=required: admins act only from sessions
	// that passed a second factor.
	AdminMFA  bool
	Passwords PasswordChecker
	// Media: a deleted account's media go.
	Media velro.MediaStore
	Log   *slog.Logger
}

// Accounts is what users do with their own account and credits, and what
// admins do with others'.
type Accounts struct {
	store accountStore
	cfg   AccountsConfig
}

// NewAccounts returns the account use cases.
func NewAccounts(store accountStore, cfg AccountsConfig) *Accounts {
	return &Accounts{store: store, cfg: cfg}
}

// Profile returns the actor's account.
func (s *Accounts) Profile(ctx context.Context, actor uuid.UUID) (*velro.User, error) {
	u, err := s.store.FindUserByID(ctx, actor)
	if err != nil {
		return nil, err
	}
	return s.cfg.Admins.Effective(u), nil
}

// UpdateProfile changes the actor's name or avatar: the name is trimmed,
// the avatar must be an https URL (or empty, to clear it).
func (s *Accounts) UpdateProfile(ctx context.Context, actor uuid.UUID, fullName, avatarURL *string) (*velro.User, error) {
	if fullName != nil {
		name := strings.TrimSpace(*fullName)
		if err := velro.CheckName("full_name", name); err != nil {
			return nil, err
		}
		fullName = &name
	}
	if avatarURL != nil && *avatarURL != "" {
		u, err := url.Parse(*avatarURL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return nil, velro.Invalid("avatar_url", "must be an https URL")
		}
	}
	u, _, err := s.store.UpdateUser(ctx, actor, velro.UserUpdate{FullName: fullName, AvatarURL: avatarURL})
	if err != nil {
		return nil, err
	}
	return s.cfg.Admins.Effective(u), nil
}

// Transactions returns a page of the actor's ledger, newest first.
func (s *Accounts) Transactions(ctx context.Context, actor uuid.UUID, page velro.Page) ([]*velro.CreditTransaction, int, error) {
	return s.store.ListCreditTransactions(ctx, actor, page)
}

// CreditStats summarises the actor's ledger over the last days.
func (s *Accounts) CreditStats(ctx context.Context, actor uuid.UUID, days int) (velro.CreditStats, error) {
	st, err := s.store.CreditStats(ctx, actor, time.Now().AddDate(0, 0, -days))
	st.PeriodDays = days
	return st, err
}

// RequireAdmin returns the actor's account if it is an admin's; otherwise
// EFORBIDDEN saying that only admins do what ("grant credits"). It is the
// one admin check of every admin endpoint: the effective role of
// velro.AdminEmails.Role, from the account as it is now (the row cache is
// dropped on every instance when a role changes, by the API or the CLI).
func (s *Accounts) RequireAdmin(ctx context.Context, actor uuid.UUID, what string) (*velro.User, error) {
	caller, err := s.store.FindUserByID(ctx, actor)
	if err != nil {
		return nil, err
	}
	if s.cfg.Admins.Role(caller) != velro.AdminRole {
		return nil, velro.Errorf(velro.EFORBIDDEN, "Only admins %s.", what)
	}
	if s.cfg.AdminMFA && !velro.ActorFrom(ctx).MFA {
		return nil, velro.Errorf(velro.EMFAREQUIRED, "Admins %s only from a session signed in with a second factor.", what)
	}
	return caller, nil
}

// GrantCredits gives credits to the account with the email, with a
// "grant" ledger entry. Only admins grant credits.
func (s *Accounts) GrantCredits(ctx context.Context, actor uuid.UUID, email string, amount int64, description string) (*velro.CreditTransaction, error) {
	caller, err := s.RequireAdmin(ctx, actor, "grant credits")
	if err != nil {
		return nil, err
	}
	u, err := s.store.FindUserByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	if description == "" {
		description = "Granted by " + caller.Email
	}
	entry, _, err := s.store.GrantCredits(ctx, u.ID, amount, description)
	return entry, err
}
