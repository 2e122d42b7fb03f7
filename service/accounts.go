package service

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/guard"
)

// accountStore is what Accounts needs of the (guarded) store.
type accountStore interface {
	guard.Guarded
	FindUserByID(ctx context.Context, id uuid.UUID) (*velro.User, error)
	FindUserByEmail(ctx context.Context, email string) (*velro.User, error)
	UpdateUser(ctx context.Context, id uuid.UUID, upd velro.UserUpdate) (*velro.User, error)
	ListCreditTransactions(ctx context.Context, userID uuid.UUID, page velro.Page) ([]*velro.CreditTransaction, int, error)
	CreditStats(ctx context.Context, userID uuid.UUID, since time.Time) (velro.CreditStats, error)
	GrantCredits(ctx context.Context, userID uuid.UUID, amount int64, description string) (*velro.CreditTransaction, error)
}

// Accounts is what users do with their own account and credits, and what
// admins do with others'.
type Accounts struct {
	store accountStore
}

// NewAccounts returns the account use cases.
func NewAccounts(store accountStore) *Accounts { return &Accounts{store: store} }

// Profile returns the actor's account.
func (s *Accounts) Profile(ctx context.Context, actor uuid.UUID) (*velro.User, error) {
	return s.store.FindUserByID(ctx, actor)
}

// UpdateProfile changes the actor's name or avatar: the name is trimmed,
// the avatar must be an https URL (or empty, to clear it).
func (s *Accounts) UpdateProfile(ctx context.Context, actor uuid.UUID, fullName, avatarURL *string) (*velro.User, error) {
	if fullName != nil {
		name := strings.TrimSpace(*fullName)
		fullName = &name
	}
	if avatarURL != nil && *avatarURL != "" {
		u, err := url.Parse(*avatarURL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return nil, velro.Invalid("avatar_url", "must be an https URL")
		}
	}
	return s.store.UpdateUser(ctx, actor, velro.UserUpdate{FullName: fullName, AvatarURL: avatarURL})
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

// GrantCredits gives credits to the account with the email, with a
// "grant" ledger entry. Only admins grant credits.
func (s *Accounts) GrantCredits(ctx context.Context, actor uuid.UUID, email string, amount int64, description string) (*velro.CreditTransaction, error) {
	caller, err := requireAdmin(ctx, s.store, actor)
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
	return s.store.GrantCredits(ctx, u.ID, amount, description)
}
