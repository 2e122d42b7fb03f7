package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/velro-ai/velro"
)

// totpOptions are the authenticator apps' defaults: 6 digits, SHA-1,
// 30-second steps.
var totpOptions = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// RecentSignIn is how long after signing in a session may add a
// credential without giving the password again.
const RecentSignIn = 10 * time.Minute

// mfaBucket throttles wrong second factors per account, on every instance
// (the shared limiter), whichever challenge or endpoint they come through.
var mfaBucket = Bucket{Key: "mfa", Limit: 10, Window: 15 * time.Minute}

var (
	errReauth      = &velro.Error{Code: velro.EREAUTH, Message: "Sign in again, or give your password, to do this."}
	errWrongCode   = &velro.Error{Code: velro.EUNAUTHORIZED, Message: "The code is wrong or was used already."}
	errBadCode     = velro.Invalid("code", "is wrong or was used already")
	errMFAExpired  = &velro.Error{Code: velro.EUNAUTHORIZED, Message: "This sign-in expired or had too many wrong codes; sign in again."}
	errMFAThrottle = "Too many wrong codes for this account; try again later."
)

// MFAStep is the answer of a sign-in that needs a second factor.
type MFAStep struct {
	Token   string
	Methods []string
}

// matchTOTP returns the time step of code if it is the secret's code for
// now or the step before or after (clocks drift).
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	step := now.Unix() / int64(totpOptions.Period)
	for _, d := range []int64{0, -1, 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix((step+d)*int64(totpOptions.Period), 0), totpOptions)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step + d, true
		}
	}
	return 0, false
}

// Reauthenticate lets the caller add a credential: a session signed in
// within RecentSignIn may; an older one gives the account's password
// (checked and throttled as a login), else EREAUTH.
func (s *Service) Reauthenticate(ctx context.Context, p Principal, password, clientAddr string) error {
	if s.now().Sub(p.SignedInAt) < RecentSignIn {
		return nil
	}
	if password == "" {
		return errReauth
	}
	_, err := s.CheckPassword(ctx, p, password, clientAddr)
	return err
}

// BeginTOTP makes a new TOTP secret for the caller, to be confirmed with
// a code (ConfirmTOTP), and returns it and its otpauth:// URL.
func (s *Service) BeginTOTP(ctx context.Context, p Principal, password, clientAddr string) (secret, url string, err error) {
	if err := s.Reauthenticate(ctx, p, password, clientAddr); err != nil {
		return "", "", err
	}
	u, err := s.store.FindUserByID(ctx, p.UserID)
	if err != nil {
		return "", "", err
	}
	if u.MFAEnabled {
		return "", "", velro.Errorf(velro.ECONFLICT, "Two-factor authentication is on already; turn it off first.")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Velro", AccountName: u.Email, Period: totpOptions.Period,
		Digits: totpOptions.Digits, Algorithm: totpOptions.Algorithm})
	if err != nil {
		return "", "", err
	}
	if _, err := s.store.BeginTOTP(ctx, u.ID, key.Secret()); err != nil {
		return "", "", err
	}
	return key.Secret(), key.URL(), nil
}

// checkCode runs check under the account's throttle of wrong codes: a
// wrong code (errWrongCode, errBadCode) keeps its attempt, anything else
// gives it back.
func (s *Service) checkCode(ctx context.Context, user string, check func() error) (err error) {
	attempt, err := s.throttle.Reserve(ctx, "mfa "+user, errMFAThrottle, mfaBucket)
	if err != nil {
		return err
	}
	defer func() {
		if err != errWrongCode && err != errBadCode {
			attempt.Release(ctx, mfaBucket)
		}
	}()
	return check()
}

// ConfirmTOTP turns the caller's begun TOTP on with a code from the app,
// and returns the recovery codes (shown this once; stored as hashes).
func (s *Service) ConfirmTOTP(ctx context.Context, p Principal, code string) (codes []string, err error) {
	t, err := s.store.FindTOTP(ctx, p.UserID)
	if velro.ErrorCode(err) == velro.ENOTFOUND {
		return nil, velro.Errorf(velro.ENOTFOUND, "No authenticator is being set up; begin with POST /api/v1/auth/mfa/totp.")
	} else if err != nil {
		return nil, err
	}
	if t.Confirmed {
		return nil, velro.Errorf(velro.ECONFLICT, "Two-factor authentication is on already.")
	}
	err = s.checkCode(ctx, p.UserID.String(), func() error {
		step, ok := matchTOTP(t.Secret, code, s.now())
		if !ok {
			return errBadCode
		}
		hashes := make([]string, velro.RecoveryCodeCount)
		codes = make([]string, velro.RecoveryCodeCount)
		for i := range codes {
			codes[i] = newRecoveryCode()
			hashes[i] = velro.HashToken(codes[i])
		}
		_, err := s.store.ConfirmTOTP(ctx, p.UserID, step, hashes)
		return err
	})
	return codes, err
}

// newRecoveryCode is 80 random bits as four groups of four base32
// letters and digits.
func newRecoveryCode() string {
	raw := make([]byte, 10)
	rand.Read(raw)
	s := strings.ToLower(base32.StdEncoding.EncodeToString(raw))
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}

// normalizeRecoveryCode accepts a recovery code in any case, with or
// without its dashes and spaces.
func normalizeRecoveryCode(code string) string {
	code = strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(code))
	if len(code) != 16 {
		return ""
	}
	return code[0:4] + "-" + code[4:8] + "-" + code[8:12] + "-" + code[12:16]
}

// challenge answers a first factor of an MFA account: a challenge token
// that a second factor turns into a session (VerifyMFA).
func (s *Service) challenge(ctx context.Context, u *velro.User, method velro.SignInMethod) (*Result, error) {
	token, hash := velro.NewToken()
	c := &velro.MFAChallenge{TokenHash: hash, UserID: u.ID, Method: method, ExpiresAt: s.now().Add(velro.MFAChallengeTTL)}
	if _, err := s.store.CreateMFAChallenge(ctx, c); err != nil {
		return nil, err
	}
	return &Result{MFA: &MFAStep{Token: "mfa_" + token, Methods: []string{"totp", "recovery_code"}}}, nil
}

// VerifyMFA passes the challenge of a sign-in with a TOTP code or a
// recovery code and starts its session, marked as having passed a second
// factor. A code works once, a recovery code once; each wrong one counts
// against the challenge (dead after velro.MFAChallengeTries) and the
// account (mfaBucket).
func (s *Service) VerifyMFA(ctx context.Context, token, code, recoveryCode string) (*Result, error) {
	if (code == "") == (recoveryCode == "") {
		return nil, velro.Invalid("code", "give either code or recovery_code")
	}
	raw, ok := strings.CutPrefix(token, "mfa_")
	if !ok {
		return nil, errMFAExpired
	}
	hash := velro.HashToken(raw)
	c, err := s.store.FindMFAChallenge(ctx, hash)
	if velro.ErrorCode(err) == velro.ENOTFOUND {
		return nil, errMFAExpired
	} else if err != nil {
		return nil, err
	}
	now := s.now()
	if c.Used || c.Failures >= velro.MFAChallengeTries || !now.Before(c.ExpiresAt) {
		return nil, errMFAExpired
	}
	var passed *velro.MFAChallenge
	err = s.checkCode(ctx, c.UserID.String(), func() error {
		var f velro.SecondFactor
		if recoveryCode != "" {
			f.RecoveryCodeHash = velro.HashToken(normalizeRecoveryCode(recoveryCode))
		} else {
			t, err := s.store.FindTOTP(ctx, c.UserID)
			if err != nil && velro.ErrorCode(err) != velro.ENOTFOUND {
				return err
			}
			ok := false
			if err == nil && t.Confirmed {
				f.Step, ok = matchTOTP(t.Secret, code, now)
			}
			if !ok {
				return s.failChallenge(ctx, hash)
			}
		}
		var err error
		passed, _, err = s.store.PassMFAChallenge(ctx, hash, f, now)
		if velro.ErrorCode(err) == velro.EUNAUTHORIZED {
			return s.failChallenge(ctx, hash)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	u, err := s.store.FindUserByID(ctx, passed.UserID)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, errDisabled
	}
	return s.startSession(ctx, u, passed.Method, true)
}

// failChallenge counts a wrong factor against the challenge and returns
// errWrongCode.
func (s *Service) failChallenge(ctx context.Context, hash string) error {
	if _, err := s.store.FailMFAChallenge(ctx, hash); err != nil {
		return err
	}
	return errWrongCode
}

// DisableTOTP turns the caller's TOTP off, with the password and a current
// code (which works once, as at sign-in).
func (s *Service) DisableTOTP(ctx context.Context, p Principal, password, code, clientAddr string) error {
	if _, err := s.CheckPassword(ctx, p, password, clientAddr); err != nil {
		return err
	}
	t, err := s.store.FindTOTP(ctx, p.UserID)
	if err == nil && !t.Confirmed {
		err = velro.Errorf(velro.ENOTFOUND, "Two-factor authentication is not on.")
	}
	if err != nil {
		return err
	}
	err = s.checkCode(ctx, p.UserID.String(), func() error {
		step, ok := matchTOTP(t.Secret, code, s.now())
		if !ok {
			return errBadCode
		}
		if used, _, err := s.store.UseTOTPStep(ctx, p.UserID, step); err != nil {
			return err
		} else if !used {
			return errBadCode
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = s.store.DisableTOTP(ctx, p.UserID)
	return err
}
