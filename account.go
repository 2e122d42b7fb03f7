package velro

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/google/uuid"
)

// TokenPurpose says what a link token in a mail does.
type TokenPurpose string

// Token purposes.
const (
	TokenPasswordReset     TokenPurpose = "password_reset"
	TokenEmailVerification TokenPurpose = "email_verification"
)

// Lifetimes of the tokens mailed in links (docs/guide.md, "Accounts" and
// "Teams"), counted from when the mail is sent.
const (
	PasswordResetTTL     = time.Hour
	EmailVerificationTTL = 24 * time.Hour
	InvitationTTL        = 7 * 24 * time.Hour
)

// NewToken returns a random token for a link in a mail, and its hash: only
// the hash is ever stored, so a copy of the database opens no account.
func NewToken() (token, hash string) {
	raw := make([]byte, 32)
	rand.Read(raw)
	token = base64.RawURLEncoding.EncodeToString(raw)
	return token, HashToken(token)
}

// HashToken is the stored form of a token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// AccountReader reads what Velro holds about an account.
type AccountReader interface {
	// ExportAccount reads everything Velro holds about the user.
	ExportAccount(ctx context.Context, userID uuid.UUID) (*AccountExport, error)
}

// AccountWriter keeps what accounts do with their passwords and addresses.
// Every write here that changes who may use an account (a password set, an
// address verified) ends sessions or changes admin status in the same
// transaction, and says so in its Effects.
type AccountWriter interface {
	// IssueAccountToken stores the hash of a token just made for a mail.
	IssueAccountToken(ctx context.Context, userID uuid.UUID, purpose TokenPurpose, hash string, expiresAt time.Time) (Effects, error)
	// ChangePassword sets the password hash and ends every session of the
	// account but keep; earlier reset links stop working.
	ChangePassword(ctx context.Context, userID uuid.UUID, passwordHash string, keep uuid.UUID) (Effects, error)
	// ResetPassword uses a password-reset token: in one transaction it
	// marks the token used, sets the password hash, marks the address
	// verified (the link proved it) and ends every session. EINVALIDTOKEN
	// for an unknown or used token, EEXPIRED for an expired one.
	ResetPassword(ctx context.Context, tokenHash, passwordHash string) (*User, Effects, error)
	// VerifyEmail uses an email-verification token and marks the address
	// verified. EINVALIDTOKEN, EEXPIRED as ResetPassword.
	VerifyEmail(ctx context.Context, tokenHash string) (*User, Effects, error)
	// QueueMail queues a mail that no other write causes (a write that
	// causes one queues it in its own transaction).
	QueueMail(ctx context.Context, m MailJob) (Effects, error)
}

// MailKind is a kind of mail.
type MailKind string

// Mail kinds.
const (
	MailPasswordReset     MailKind = "password_reset"
	MailEmailVerification MailKind = "email_verification"
	MailInvitation        MailKind = "invitation"
	MailMemberAdded       MailKind = "member_added"
)

// MailJob is one mail to send, queued durably. It names whom and what,
// never a token: the token of a link is made when the mail is sent, so it
// is never stored but as a hash.
type MailJob struct {
	Kind MailKind `json:"kind"`
	// UserID: the account an email-verification or member-added mail
	// goes to.
	UserID uuid.UUID `json:"user_id,omitzero"`
	// Email: the address a password-reset mail goes to, if it has an
	// account (the request does not reveal whether it has).
	Email string `json:"email,omitempty"`
	// InvitationID: the invitation an invitation mail carries.
	InvitationID uuid.UUID `json:"invitation_id,omitzero"`
	// TeamID and ActorID: the team a member-added mail names, and who
	// added the member (none: the command line).
	TeamID  uuid.UUID `json:"team_id,omitzero"`
	ActorID uuid.UUID `json:"actor_id,omitzero"`
}

// AccountExport is everything Velro holds about an account (GET
// /api/v1/user/export).
type AccountExport struct {
	ExportedAt   time.Time            `json:"exported_at"`
	Profile      *User                `json:"profile"`
	Transactions []*CreditTransaction `json:"transactions"`
	Projects     []*Project           `json:"projects" doc:"Projects the account owns"`
	Shares       []*ProjectShare      `json:"shares" doc:"The shares of those projects"`
	Teams        []*Team              `json:"teams" doc:"Teams the account is a member of, with their members"`
	Generations  []*Generation        `json:"generations"`
	Uploads      []*Upload            `json:"uploads" doc:"The account's uploads (their metadata)"`
	Invitations  []*Invitation        `json:"invitations" doc:"Invitations the account sent"`
	Sessions     []*Session           `json:"sessions"`
}
