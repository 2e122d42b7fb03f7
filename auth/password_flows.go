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
// (before a password change or an account deletion). Wrong guesses count
// toward the login throttling of the account and client, and past it the
// caller gets ERATELIMIT.
func (s *Service) CheckPassword(ctx context.Context, p Principal, password, clientAddr string) (*velro.User, error) {
	u, err := s.store.FindUserByID(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	pairKey, ipKey := "pair "+clientAddr+" "+u.Email, "client "+clientAddr
	if err := s.throttled(ctx, pairKey, ipKey); err != nil {
		return nil, err
	}
	ok, err := s.hasher.Verify(ctx, u.PasswordHash, password)
	if err != nil {
		return nil, err
	}
	if !ok {
		s.limiterCall(ctx, s.perPair.Fail, pairKey)
		s.limiterCall(ctx, s.perIP.Fail, ipKey)
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
	return s.store.ChangePassword(ctx, p.UserID, hash, p.SessionID)
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
	emailKey, ipKey := "forgot email "+email, "forgot client "+clientAddr
	if err := s.limited(ctx, "Too many password-reset requests; try again later.", emailKey, ipKey); err != nil {
		return err
	}
	s.limiterCall(ctx, s.forgot[0].Fail, emailKey)
	s.limiterCall(ctx, s.forgot[1].Fail, ipKey)
	return s.store.QueueMail(ctx, velro.MailJob{Kind: velro.MailPasswordReset, Email: email})
}

// ResetPassword sets a new password with the token of a reset mail. Every
// session of the account ends; the address counts as verified (the link
// proved it). Failed attempts count toward the client's reset throttling:
// each one costs a password hash.
func (s *Service) ResetPassword(ctx context.Context, token, next, clientAddr string) (*velro.User, error) {
	if err := validatePassword("new_password", next); err != nil {
		return nil, err
	}
	ipKey := "forgot client " + clientAddr
	if err := s.limited(ctx, "Too many password-reset attempts; try again later.", "", ipKey); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return nil, err
	}
	u, err := s.store.ResetPassword(ctx, velro.HashToken(token), hash)
	switch velro.ErrorCode(err) {
	case "":
		return s.admins.Effective(u), nil
	case velro.EINVALIDTOKEN, velro.EEXPIRED:
		s.limiterCall(ctx, s.forgot[1].Fail, ipKey)
	}
	return nil, err
}

// limited returns ERATELIMIT with message if the forgot limiters make the
// email key (if any) or the client key wait. A limiter that cannot answer
// lets the request through, as for logins.
func (s *Service) limited(ctx context.Context, message, emailKey, ipKey string) error {
	var wait time.Duration
	for i, key := range []string{emailKey, ipKey} {
		if key == "" {
			continue
		}
		w, err := s.forgot[i].Wait(ctx, key)
		if err != nil {
			s.log.WarnContext(ctx, "reset limiter unavailable", "error", err)
			continue
		}
		wait = max(wait, w)
	}
	if wait > 0 {
		return &velro.Error{Code: velro.ERATELIMIT, Message: message, RetryAfter: wait}
	}
	return nil
}
