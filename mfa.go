package velro

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// TOTP is an account's authenticator app (RFC 6238). It counts once
// confirmed with a code; LastStep is the time step of the last code
// accepted, so a code works once, however many requests present it.
type TOTP struct {
	UserID    uuid.UUID
	Secret    string // base32
	Confirmed bool
	LastStep  int64
	CreatedAt time.Time
}

// MFAChallenge is the step between a sign-in's first factor and its
// session: a random token (stored as its hash) that a second factor turns
// into a session, once, within MFAChallengeTTL and MFAChallengeTries.
type MFAChallenge struct {
	TokenHash string
	UserID    uuid.UUID
	// Method is how the first factor signed in.
	Method    SignInMethod
	Failures  int
	ExpiresAt time.Time
	Used      bool
}

// Limits of an MFA challenge.
const (
	MFAChallengeTTL   = 5 * time.Minute
	MFAChallengeTries = 5
	RecoveryCodeCount = 10
)

// SecondFactor is what passes a challenge: a TOTP code's time step, or
// the hash of a recovery code.
type SecondFactor struct {
	Step             int64
	RecoveryCodeHash string
}

// MFAReader reads second factors.
type MFAReader interface {
	// FindTOTP returns the account's TOTP, confirmed or not; ENOTFOUND
	// if it has none.
	FindTOTP(ctx context.Context, userID uuid.UUID) (*TOTP, error)
	// FindMFAChallenge returns ENOTFOUND for an unknown token.
	FindMFAChallenge(ctx context.Context, tokenHash string) (*MFAChallenge, error)
}

// MFAWriter keeps second factors. Enabling and disabling change the
// account's row (User.MFAEnabled) and are audited.
type MFAWriter interface {
	// BeginTOTP stores a new, unconfirmed secret for the account,
	// replacing an unconfirmed one; ECONFLICT if TOTP is on already.
	BeginTOTP(ctx context.Context, userID uuid.UUID, secret string) (Effects, error)
	// ConfirmTOTP turns the unconfirmed TOTP on, with the step of the code
	// that confirmed it and the hashes of the recovery codes; ECONFLICT if
	// it is on already, ENOTFOUND if none was begun.
	ConfirmTOTP(ctx context.Context, userID uuid.UUID, step int64, recoveryHashes []string) (Effects, error)
	// UseTOTPStep records the step of a code accepted outside a
	// challenge (turning TOTP off, confirming who one is) if it is later
	// than the last one, and reports whether it was.
	UseTOTPStep(ctx context.Context, userID uuid.UUID, step int64) (bool, Effects, error)
	// DisableTOTP turns TOTP off and drops the recovery codes; ENOTFOUND
	// if it was not on.
	DisableTOTP(ctx context.Context, userID uuid.UUID) (Effects, error)
	// CreateMFAChallenge stores a challenge.
	CreateMFAChallenge(ctx context.Context, c *MFAChallenge) (Effects, error)
	// FailMFAChallenge counts a wrong second factor against a challenge.
	FailMFAChallenge(ctx context.Context, tokenHash string) (Effects, error)
	// PassMFAChallenge uses the challenge and the factor in one
	// transaction: the challenge must be unused, unexpired at now and
	// under its tries, and the TOTP step later than the last one (or the
	// recovery code unused). It returns the challenge; EUNAUTHORIZED and
	// no change if either fails.
	PassMFAChallenge(ctx context.Context, tokenHash string, f SecondFactor, now time.Time) (*MFAChallenge, Effects, error)
}
