package velro

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/google/uuid"
)

// Session is one login. Its refresh token carries the session id and the
// rotation Counter; every refresh moves the counter on by one, so the
// session is a single row however often it is refreshed.
type Session struct {
	ID          uuid.UUID  `json:"id"`
	UserID      uuid.UUID  `json:"-"`
	Counter     int64      `json:"-"`
	CreatedAt   time.Time  `json:"created_at"`
	RefreshedAt time.Time  `json:"refreshed_at"`
	RevokedAt   *time.Time `json:"revoked_at"`
	// Method is how the session signed in (SignInPassword, ...).
	Method SignInMethod `json:"method"`
	// MFA: the sign-in passed a second factor (or a passkey, which counts
	// as two).
	MFA bool `json:"mfa"`
	// IP and UserAgent are the client's at sign-in.
	IP        string `json:"ip"`
	UserAgent string `json:"user_agent"`
	// AccountDisabled: the account was disabled, which ends its sessions.
	AccountDisabled bool `json:"-"`
}

// SignInMethod is how a session began.
type SignInMethod string

// Sign-in methods.
const (
	SignInPassword SignInMethod = "password"
)

// MaxUserAgent bounds the user agent a session keeps.
const MaxUserAgent = 512

// Revoked reports whether the session was logged out or found reused.
func (s *Session) Revoked() bool { return s.RevokedAt != nil }

// Live reports whether the session's tokens may be used: not revoked, and
// its account not disabled.
func (s *Session) Live() bool { return s.RevokedAt == nil && !s.AccountDisabled }

// SessionLifetime bounds a session: it ends Idle after its last refresh
// and Max after it began, whichever comes first.
type SessionLifetime struct {
	Idle, Max time.Duration
}

// Expired reports whether the session has outlived l at now.
func (s *Session) Expired(now time.Time, l SessionLifetime) bool {
	return !now.Before(s.RefreshedAt.Add(l.Idle)) || !now.Before(s.Ends(l))
}

// Ends is when the session ends at the latest, refreshed or not.
func (s *Session) Ends(l SessionLifetime) time.Time { return s.CreatedAt.Add(l.Max) }

// SessionReader reads sessions.
type SessionReader interface {
	// FindSession returns ENOTFOUND when there is no such session (or
	// account).
	FindSession(ctx context.Context, id uuid.UUID) (*Session, error)
	// ListSessions returns a page of the user's sessions live at now
	// under l (not revoked, not expired), the most recently refreshed
	// first, and their number.
	ListSessions(ctx context.Context, userID uuid.UUID, now time.Time, l SessionLifetime, page Page) ([]*Session, int, error)
}

// SessionWriter starts, refreshes and ends sessions.
type SessionWriter interface {
	// CreateSession inserts s with its counter at 0.
	CreateSession(ctx context.Context, s *Session) (Effects, error)
	// RotateSession moves the counter from `from` to from+1 and sets
	// RefreshedAt to now if the session is still at `from`, not revoked and
	// not expired under l at now; it reports whether it did, and whose
	// session it is.
	RotateSession(ctx context.Context, id uuid.UUID, from int64, now time.Time, l SessionLifetime) (userID uuid.UUID, rotated bool, eff Effects, err error)
	// RevokeSession marks the session revoked and audits why (AuditLogout,
	// AuditRefreshReuse); revoking a revoked session changes nothing.
	RevokeSession(ctx context.Context, id uuid.UUID, now time.Time, why AuditAction) (Effects, error)
	// EndSession revokes the user's session id, audited as ended by the
	// user (AuditSessionEnded); ENOTFOUND when the user has no such
	// session not yet revoked (another user's session included).
	EndSession(ctx context.Context, userID, id uuid.UUID, now time.Time) (Effects, error)
	// EndOtherSessions revokes every session of the user but keep,
	// audited (AuditOtherSessionsEnd), and says how many it ended.
	EndOtherSessions(ctx context.Context, userID, keep uuid.UUID) (int, Effects, error)
}

// SecretWriter keeps key material every instance must share (token signing
// keys, HMAC keys).
type SecretWriter interface {
	// Secret returns the named secret, storing generate()'s value first if
	// there is none. Instances racing on a first start agree on one value.
	Secret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, Effects, error)
}

// RandomSecret generates n random bytes: the generate function of
// SecretStore.Secret for keys.
func RandomSecret(n int) func() ([]byte, error) {
	return func() ([]byte, error) {
		key := make([]byte, n)
		_, err := rand.Read(key)
		return key, err
	}
}
