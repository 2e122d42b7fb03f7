package service

import (
	"context"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/auth"
)

// SendVerification queues a mail with a link that verifies the actor's
// address (EmailVerificationTTL). ECONFLICT when it is verified already.
func (s *Accounts) SendVerification(ctx context.Context, actor uuid.UUID) error {
	u, err := s.store.FindUserByID(ctx, actor)
	if err != nil {
		return err
	}
	if u.EmailVerified {
		return velro.Errorf(velro.ECONFLICT, "The address %s is verified already.", u.Email)
	}
	_, err = s.store.QueueMail(ctx, velro.MailJob{Kind: velro.MailEmailVerification, UserID: actor})
	return err
}

// VerifyEmail uses the token of a verification mail and returns the
// account, verified. A listed address (VELRO_ADMIN_EMAILS) is an admin
// from now on.
func (s *Accounts) VerifyEmail(ctx context.Context, token string) (*velro.User, error) {
	u, _, err := s.store.VerifyEmail(ctx, velro.HashToken(token))
	if err != nil {
		return nil, err
	}
	return s.cfg.Admins.Effective(u), nil
}

// mayDeleteAccount: an account is deleted by its owner only (who proves
// the password first).
func mayDeleteAccount(actor, account uuid.UUID) velro.Check {
	return func(context.Context, velro.Authorizer) error {
		if actor != account {
			return velro.Errorf(velro.EFORBIDDEN, "Only the owner of an account deletes it.")
		}
		return nil
	}
}

// DeleteAccount deletes the caller's account, who proves the password,
// with everything it owns (velro.UserWriter.DeleteUser); its tokens are
// refused from the next request on, on every instance, and whoever watches
// its generations is told (the write's effects). Then their media go, and
// its uploads'.
func (s *Accounts) DeleteAccount(ctx context.Context, p auth.Principal, password, clientAddr string) error {
	if _, err := s.cfg.Passwords.CheckPassword(ctx, p, password, clientAddr); err != nil {
		return err
	}
	rule := mayDeleteAccount(p.UserID, p.UserID)
	eff, err := s.store.DeleteUser(ctx, p.UserID, rule)
	if err != nil {
		return err
	}
	// The account is gone whatever happens below: a media failure is
	// logged for an operator, not reported to the former owner.
	ctx = context.WithoutCancel(ctx)
	deleted := eff.Access // the account's generations and uploads
	prefixes := make([]string, 0, len(deleted.Generations)+len(deleted.Uploads))
	for _, id := range deleted.Generations {
		prefixes = append(prefixes, velro.GenerationPrefix(id))
	}
	for _, id := range deleted.Uploads {
		prefixes = append(prefixes, velro.UploadPrefix(id))
	}
	for _, prefix := range prefixes {
		if err := s.cfg.Media.DeletePrefix(ctx, prefix); err != nil {
			s.cfg.Log.ErrorContext(ctx, "account deleted, but some of its media could not be removed",
				"user_id", p.UserID, "prefix", prefix, "error", err)
		}
	}
	return nil
}

// Export returns everything Velro holds about the actor.
func (s *Accounts) Export(ctx context.Context, actor uuid.UUID) (*velro.AccountExport, error) {
	x, err := s.store.ExportAccount(ctx, actor)
	if err != nil {
		return nil, err
	}
	x.Profile = s.cfg.Admins.Effective(x.Profile)
	return x, nil
}
