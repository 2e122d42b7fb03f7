package mail

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/guard"
)

// PostmanStore is what the Postman needs of the (guarded) store.
type PostmanStore interface {
	guard.Guarded
	FindUserByID(ctx context.Context, id uuid.UUID) (*velro.User, error)
	FindUserByEmail(ctx context.Context, email string) (*velro.User, error)
	IssueAccountToken(ctx context.Context, userID uuid.UUID, purpose velro.TokenPurpose, hash string, expiresAt time.Time) (velro.Effects, error)
	FindInvitation(ctx context.Context, id uuid.UUID) (*velro.Invitation, error)
	FindTeam(ctx context.Context, id uuid.UUID) (*velro.Team, error)
	SetInvitationToken(ctx context.Context, id uuid.UUID, tokenHash string) (bool, velro.Effects, error)
}

// Postman sends the mails the job queue hands it (it is queue.Mailer). A
// mail whose reason is gone (an account deleted, an invitation answered)
// is dropped; an error makes the queue try again later.
type Postman struct {
	Store  PostmanStore
	Sender Sender
	// AppURL is the web app's origin: links point there.
	AppURL string
	Log    *slog.Logger
}

// Data is what the templates may show. TeamName, Inviter (the sender's
// display name) and InviterEmail are written by another user: templates
// show them only quoted, under words saying so, never in a Subject.
type Data struct {
	Email, Name, Link, ValidFor           string
	TeamName, Role, Inviter, InviterEmail string
}

// Send implements queue.Mailer.
func (p *Postman) Send(ctx context.Context, job velro.MailJob) error {
	switch job.Kind {
	case velro.MailPasswordReset:
		return p.passwordReset(ctx, job.Email)
	case velro.MailEmailVerification:
		return p.verification(ctx, job.UserID)
	case velro.MailInvitation:
		return p.invitation(ctx, job.InvitationID)
	case velro.MailMemberAdded:
		return p.memberAdded(ctx, job)
	}
	p.Log.ErrorContext(ctx, "mail of an unknown kind dropped", "kind", job.Kind)
	return nil
}

// link is a page of the web app with a token.
func (p *Postman) link(path, token string) string {
	return strings.TrimRight(p.AppURL, "/") + path + token
}

// gone reports whether err says the mail's reason no longer exists.
func gone(err error) bool { return velro.ErrorCode(err) == velro.ENOTFOUND }

// passwordReset mails a reset link to the account with the address, if
// there is one (the request did not know).
func (p *Postman) passwordReset(ctx context.Context, email string) error {
	u, err := p.Store.FindUserByEmail(ctx, email)
	if gone(err) {
		p.Log.InfoContext(ctx, "password reset asked for an address without an account; nothing sent")
		return nil
	} else if err != nil {
		return err
	}
	if u.Disabled {
		p.Log.InfoContext(ctx, "password reset asked for a disabled account; nothing sent", "user_id", u.ID)
		return nil
	}
	token, err := p.issue(ctx, u.ID, velro.TokenPasswordReset, velro.PasswordResetTTL)
	if err != nil {
		return err
	}
	return p.send(ctx, "password_reset", u.Email, Data{Email: u.Email, Name: u.FullName,
		Link: p.link("/reset-password?token=", token), ValidFor: "1 hour"})
}

// verification mails a verification link to an account.
func (p *Postman) verification(ctx context.Context, userID uuid.UUID) error {
	u, err := p.Store.FindUserByID(ctx, userID)
	if gone(err) {
		return nil
	} else if err != nil {
		return err
	}
	if u.EmailVerified {
		return nil
	}
	token, err := p.issue(ctx, u.ID, velro.TokenEmailVerification, velro.EmailVerificationTTL)
	if err != nil {
		return err
	}
	return p.send(ctx, "email_verification", u.Email, Data{Email: u.Email, Name: u.FullName,
		Link: p.link("/verify-email?token=", token), ValidFor: "24 hours"})
}

// issue makes a token and stores its hash, valid for ttl from now.
func (p *Postman) issue(ctx context.Context, userID uuid.UUID, purpose velro.TokenPurpose, ttl time.Duration) (string, error) {
	token, hash := velro.NewToken()
	_, err := p.Store.IssueAccountToken(ctx, userID, purpose, hash, velro.Now().Add(ttl))
	return token, err
}

// invitation mails an invitation's link, unless it was answered, revoked
// or expired meanwhile. A retry makes a new token: the link of a mail that
// may not have left stops working.
func (p *Postman) invitation(ctx context.Context, id uuid.UUID) error {
	inv, err := p.Store.FindInvitation(ctx, id)
	if gone(err) {
		return nil
	} else if err != nil {
		return err
	}
	if inv.Status != velro.InvitationPending {
		return nil
	}
	data := Data{Email: inv.Email, ValidFor: validFor(time.Until(inv.ExpiresAt)), TeamName: inv.TeamName, Role: string(inv.Role)}
	p.sender(ctx, inv.InvitedBy, &data)
	token, hash := velro.NewToken()
	if ok, _, err := p.Store.SetInvitationToken(ctx, id, hash); err != nil || !ok {
		return err
	}
	data.Link = p.link("/invitations/", token)
	return p.send(ctx, "invitation", inv.Email, data)
}

// sender fills in who caused a mail to another person: their address and
// display name, or "a deleted account" when they are gone.
func (p *Postman) sender(ctx context.Context, id *uuid.UUID, data *Data) {
	data.InviterEmail = "a deleted account"
	if id == nil {
		return
	}
	if u, err := p.Store.FindUserByID(ctx, *id); err == nil {
		data.InviterEmail, data.Inviter = u.Email, u.FullName
	}
}

// memberAdded tells an account who added it to which team, unless the
// account or the team is gone meanwhile.
func (p *Postman) memberAdded(ctx context.Context, job velro.MailJob) error {
	u, err := p.Store.FindUserByID(ctx, job.UserID)
	if gone(err) {
		return nil
	} else if err != nil {
		return err
	}
	t, err := p.Store.FindTeam(ctx, job.TeamID)
	if gone(err) {
		return nil
	} else if err != nil {
		return err
	}
	data := Data{Email: u.Email, Name: u.FullName, TeamName: t.Name, Role: string(t.Role(u.ID)), Link: p.link("/teams/", t.ID.String())}
	if data.Role == "" {
		return nil // no longer a member
	}
	var by *uuid.UUID
	if job.ActorID != uuid.Nil {
		by = &job.ActorID
	}
	p.sender(ctx, by, &data)
	return p.send(ctx, "member_added", u.Email, data)
}

// validFor says how long a link works, in words, rounded (the time since
// the invitation was made is not worth a day less).
func validFor(d time.Duration) string {
	if days := int(math.Round(d.Hours() / 24)); days >= 2 {
		return fmt.Sprintf("%d days", days)
	}
	return fmt.Sprintf("%d hours", max(1, int(math.Round(d.Hours()))))
}

func (p *Postman) send(ctx context.Context, kind, to string, data Data) error {
	m, err := Compose(kind, to, data)
	if err != nil {
		return err
	}
	return p.Sender.Send(ctx, m)
}
