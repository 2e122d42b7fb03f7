package auth

import (
	"context"
	"time"

	"github.com/velro-ai/velro"
)

// ForgotLimits says how many password-reset mails may be asked for per
// window.
type ForgotLimits struct {
	// PerEmail bounds the mails to one address (whoever asks for them).
	PerEmail int
	// PerClient bounds the requests (and failed resets) from one client.
	PerClient int
	Window    time.Duration
}

// DefaultForgotLimits: 5 requests per address and 20 per client an hour.
var DefaultForgotLimits = ForgotLimits{PerEmail: 5, PerClient: 20, Window: time.Hour}

var errWrongPassword = &velro.Error{Code: velro.EUNAUTHORIZED, Message: "The password is wrong."}

// CheckPassword confirms that the caller knows the account's password
// (before a password change or an account deletion). Each check is
// reserved under the login limits of the account and client before the
// hash, like a login; wrong guesses keep their reservation, and past the
// limits the caller gets ERATELIMIT.
func (s *Service) CheckPassword(ctx context.Context, p Principal, password, clientAddr string) (_ *velro.User, err error) {
	u, err := s.store.FindUserByID(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	pair, client := s.loginBuckets(u.Email)
	attempt, err := s.throttle.Reserve(ctx, clientAddr, "Too many failed password checks; try again later.", pair, client)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != errWrongPassword {
			attempt.Release(ctx, pair, client)
		}
	}()
	ok, err := s.hasher.Verify(ctx, u.PasswordHash, password)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errWrongPassword
	}
	return u, nil
}

// ChangePassword sets a new password for the caller, who proves the
// current one. Every other session of the account ends, on every
// instance; the caller's lives on.
func (s *Service) ChangePassword(ctx context.Context, p Principal, current, next, clientAddr string) error {
	if err := validatePassword("new_password", next); err != nil {
		return err
	}
	if _, err := s.CheckPassword(ctx, p, current, clientAddr); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	_, err = s.store.ChangePassword(ctx, p.UserID, hash, p.SessionID)
	return err
}

// ForgotPassword queues a password-reset mail to the address. It answers
// the same, in the same time, whether or not an account has the address:
// the request always queues the same job, and the mailer finds out (and
// sends nothing to an address without an account). Requests are throttled
// per address and per client.
func (s *Service) ForgotPassword(ctx context.Context, email, clientAddr string) error {
	email, err := velro.NormalizeEmail(email)
	if err != nil {
		return err
	}
	// The address's bucket is no client's: it has a scope of its own.
	const message = "Too many password-reset requests; try again later."
	client := s.forgotClient()
	byClient, err := s.throttle.Reserve(ctx, clientAddr, message, client)
	if err != nil {
		return err
	}
	if _, err := s.throttle.Reserve(ctx, "email "+email, message, Bucket{Key: "forgot-email", Limit: s.forgot.PerEmail, Window: s.forgot.Window}); err != nil {
		byClient.Release(ctx, client)
		return err
	}
	_, err = s.store.QueueMail(ctx, velro.MailJob{Kind: velro.MailPasswordReset, Email: email})
	return err
}

// ResetPassword sets a new password with the token of a reset mail. Every
// session of the account ends; the address counts as verified (the link
// proved it). Failed attempts count toward the client's reset throttling:
// each one costs a password hash.
func (s *Service) ResetPassword(ctx context.Context, token, next, clientAddr string) (_ *velro.User, err error) {
	if err := validatePassword("new_password", next); err != nil {
		return nil, err
	}
	client := s.forgotClient()
	attempt, err := s.throttle.Reserve(ctx, clientAddr, "Too many password-reset attempts; try again later.", client)
	if err != nil {
		return nil, err
	}
	defer func() {
		if code := velro.ErrorCode(err); code != velro.EINVALIDTOKEN && code != velro.EEXPIRED {
			attempt.Release(ctx, client)
		}
	}()
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return nil, err
	}
	u, _, err := s.store.ResetPassword(ctx, velro.HashToken(token), hash)
	if err != nil {
		return nil, err
	}
	return s.admins.Effective(u), nil
}

// forgotClient is a client's bucket of password-reset requests and
// failed resets.
func (s *Service) forgotClient() Bucket {
	return Bucket{Key: "forgot-client", Limit: s.forgot.PerClient, Window: s.forgot.Window}
}
