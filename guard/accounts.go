package guard

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// The writes of account control, account tokens and invitations, each
// followed by the invalidations invalidate.go lists.

// ControlAccount implements velro.UserStore.
func (s *Store) ControlAccount(ctx context.Context, id uuid.UUID, c velro.AccountControl) (*velro.User, error) {
	u, err := s.raw.ControlAccount(ctx, id, c)
	s.accountsChanged(ctx, velro.Event{Accounts: []uuid.UUID{id}})
	return u, err
}

// DeleteUser implements velro.UserStore.
func (s *Store) DeleteUser(ctx context.Context, id uuid.UUID, check velro.Check) (velro.AccessChange, error) {
	change, err := s.raw.DeleteUser(ctx, id, check)
	s.afterAccessWrite(ctx, change, err)
	s.accountsChanged(ctx, velro.Event{Accounts: []uuid.UUID{id}, GenerationRows: change.Generations})
	return change, err
}

// IssueAccountToken implements velro.AccountStore: tokens are never cached.
func (s *Store) IssueAccountToken(ctx context.Context, userID uuid.UUID, purpose velro.TokenPurpose, hash string, expiresAt time.Time) error {
	return s.raw.IssueAccountToken(ctx, userID, purpose, hash, expiresAt)
}

// ChangePassword implements velro.AccountStore.
func (s *Store) ChangePassword(ctx context.Context, userID uuid.UUID, passwordHash string, keep uuid.UUID) error {
	err := s.raw.ChangePassword(ctx, userID, passwordHash, keep)
	s.accountsChanged(ctx, velro.Event{Accounts: []uuid.UUID{userID}})
	return err
}

// ResetPassword implements velro.AccountStore. Whose password a failed
// reset may have set is unknown (the token names the account): unless it
// was refused, everything goes.
func (s *Store) ResetPassword(ctx context.Context, tokenHash, passwordHash string) (*velro.User, error) {
	u, err := s.raw.ResetPassword(ctx, tokenHash, passwordHash)
	s.afterTokenUse(ctx, u, err)
	return u, err
}

// VerifyEmail implements velro.AccountStore: a verified address may make
// the account an admin (VELRO_ADMIN_EMAILS).
func (s *Store) VerifyEmail(ctx context.Context, tokenHash string) (*velro.User, error) {
	u, err := s.raw.VerifyEmail(ctx, tokenHash)
	s.afterTokenUse(ctx, u, err)
	return u, err
}

func (s *Store) afterTokenUse(ctx context.Context, u *velro.User, err error) {
	switch velro.ErrorCode(err) {
	case "":
		s.accountsChanged(ctx, velro.Event{Accounts: []uuid.UUID{u.ID}})
	case velro.EINVALIDTOKEN, velro.EEXPIRED, velro.ENOTFOUND:
	default:
		s.accountsChanged(ctx, velro.Event{Flush: true})
	}
}

// QueueMail implements velro.AccountStore: a queued mail is in no cache.
func (s *Store) QueueMail(ctx context.Context, m velro.MailJob) error { return s.raw.QueueMail(ctx, m) }

// CreateInvitation implements velro.InvitationStore: an invitation changes
// no access until it is accepted.
func (s *Store) CreateInvitation(ctx context.Context, inv *velro.Invitation, check velro.Check) error {
	return s.raw.CreateInvitation(ctx, inv, check)
}

// SetInvitationToken implements velro.InvitationStore: nothing cached.
func (s *Store) SetInvitationToken(ctx context.Context, id uuid.UUID, tokenHash string) (bool, error) {
	return s.raw.SetInvitationToken(ctx, id, tokenHash)
}

// RevokeInvitation implements velro.InvitationStore: nothing cached.
func (s *Store) RevokeInvitation(ctx context.Context, teamID, id uuid.UUID, check velro.Check) (*velro.Invitation, error) {
	return s.raw.RevokeInvitation(ctx, teamID, id, check)
}

// AcceptInvitation implements velro.InvitationStore: a member joins.
func (s *Store) AcceptInvitation(ctx context.Context, tokenHash string, userID uuid.UUID) (*velro.Invitation, velro.AccessChange, error) {
	inv, change, err := s.raw.AcceptInvitation(ctx, tokenHash, userID)
	s.afterAccessWrite(ctx, change, err)
	return inv, change, err
}

// DeclineInvitation implements velro.InvitationStore: nothing cached.
func (s *Store) DeclineInvitation(ctx context.Context, tokenHash string, userID uuid.UUID) (*velro.Invitation, error) {
	return s.raw.DeclineInvitation(ctx, tokenHash, userID)
}
