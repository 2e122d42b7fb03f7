package mail_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/bus"
	"github.com/velro-ai/velro/guard"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/mail"
	"github.com/velro-ai/velro/storetest"
)

// outbox keeps what the Postman sends.
type outbox struct {
	mu   sync.Mutex
	sent []*mail.Message
}

func (o *outbox) Send(_ context.Context, m *mail.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return nil
}

func (o *outbox) take(t *testing.T) []*mail.Message {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	sent := o.sent
	o.sent = nil
	return sent
}

// token is the token at the end of the only link of a message.
func token(t *testing.T, m *mail.Message, page string) string {
	t.Helper()
	_, rest, ok := strings.Cut(m.Text, "https://app.example"+page)
	if !ok {
		t.Fatalf("no %s link in %q", page, m.Text)
	}
	return strings.Fields(rest)[0]
}

// TestPostman: each kind of mail carries a working token, and a mail
// whose reason is gone is not sent.
func TestPostman(t *testing.T) {
	raw := testenv.Store(t, testenv.SQLite(t), 0)
	b := new(bus.Local)
	store := guard.New(raw, authz.New(authz.Config{Store: raw, Bus: b}), b)
	sent := &outbox{}
	p := &mail.Postman{Store: store, Sender: sent, AppURL: "https://app.example/", Log: slog.New(slog.DiscardHandler)}
	send := func(job velro.MailJob) {
		t.Helper()
		if err := p.Send(t.Context(), job); err != nil {
			t.Fatal(err)
		}
	}
	ada := storetest.NewUser(t, store, "ada@example.com")

	send(velro.MailJob{Kind: velro.MailPasswordReset, Email: "nobody@example.com"})
	if got := sent.take(t); len(got) != 0 {
		t.Fatalf("a reset mail to an address without an account: %+v", got)
	}
	send(velro.MailJob{Kind: velro.MailPasswordReset, Email: ada.Email})
	got := sent.take(t)
	if len(got) != 1 || got[0].To != ada.Email {
		t.Fatalf("reset mails %+v", got)
	}
	if _, _, err := store.ResetPassword(t.Context(), velro.HashToken(token(t, got[0], "/reset-password?token=")), "$argon2id$new"); err != nil {
		t.Fatalf("the mailed reset token: %v", err)
	}

	send(velro.MailJob{Kind: velro.MailEmailVerification, UserID: ada.ID}) // verified by the reset
	if got := sent.take(t); len(got) != 0 {
		t.Fatalf("a verification mail to a verified address: %+v", got)
	}
	bob := storetest.NewUser(t, store, "bob@example.com")
	send(velro.MailJob{Kind: velro.MailEmailVerification, UserID: bob.ID})
	got = sent.take(t)
	if len(got) != 1 {
		t.Fatalf("verification mails %+v", got)
	}
	if u, _, err := store.VerifyEmail(t.Context(), velro.HashToken(token(t, got[0], "/verify-email?token="))); err != nil || u.ID != bob.ID {
		t.Fatalf("the mailed verification token: %+v, %v", u, err)
	}
	disabled := true
	if _, _, err := store.ControlAccount(t.Context(), bob.ID, velro.AccountControl{Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	send(velro.MailJob{Kind: velro.MailPasswordReset, Email: bob.Email})
	if got := sent.take(t); len(got) != 0 {
		t.Fatalf("a reset mail to a disabled account: %+v", got)
	}

	// Invitations: a retry makes a new token (the earlier one stops
	// working); a revoked invitation is not mailed.
	team := storetest.NewTeam(t, store, ada.ID, nil)
	inv := &velro.Invitation{ID: velro.NewID(), TeamID: team.ID, Email: "carl@example.com", Role: velro.TeamEditor, InvitedBy: &ada.ID}
	if _, err := store.CreateInvitation(t.Context(), inv, velro.NoRule); err != nil {
		t.Fatal(err)
	}
	send(velro.MailJob{Kind: velro.MailInvitation, InvitationID: inv.ID})
	send(velro.MailJob{Kind: velro.MailInvitation, InvitationID: inv.ID})
	got = sent.take(t)
	if len(got) != 2 || got[0].To != "carl@example.com" || strings.Contains(got[0].Subject, "Team") || !strings.Contains(got[0].Text, "7 days") ||
		!strings.Contains(got[0].Text, `Team name: "Team"`) || !strings.Contains(got[0].Text, `"ada@example.com"`) {
		t.Fatalf("invitation mails %+v", got)
	}
	if _, err := store.FindInvitationByToken(t.Context(), velro.HashToken(token(t, got[0], "/invitations/"))); velro.ErrorCode(err) != velro.ENOTFOUND {
		t.Fatalf("the first mail's token still works: %v", err)
	}
	if found, err := store.FindInvitationByToken(t.Context(), velro.HashToken(token(t, got[1], "/invitations/"))); err != nil || found.ID != inv.ID {
		t.Fatalf("the latest mail's token: %+v, %v", found, err)
	}
	if _, _, err := store.RevokeInvitation(t.Context(), team.ID, inv.ID, velro.NoRule); err != nil {
		t.Fatal(err)
	}
	send(velro.MailJob{Kind: velro.MailInvitation, InvitationID: inv.ID})
	send(velro.MailJob{Kind: velro.MailInvitation, InvitationID: velro.NewID()})
	if got := sent.take(t); len(got) != 0 {
		t.Fatalf("mails for a revoked or missing invitation: %+v", got)
	}

	// Member added: the added person is told who added them to which team
	// (the names quoted); nothing once they left or the team is gone.
	dan := storetest.NewUser(t, store, "dan@example.com")
	if _, err := store.AddTeamMember(t.Context(), team.ID, dan.ID, velro.TeamViewer, velro.NoRule); err != nil {
		t.Fatal(err)
	}
	added := velro.MailJob{Kind: velro.MailMemberAdded, UserID: dan.ID, TeamID: team.ID, ActorID: ada.ID}
	send(added)
	got = sent.take(t)
	if len(got) != 1 || got[0].To != dan.Email || !strings.Contains(got[0].Text, `Team name: "Team"`) ||
		!strings.Contains(got[0].Text, `The sender's account is "ada@example.com"`) || !strings.Contains(got[0].Text, "as\nviewer") ||
		!strings.Contains(got[0].Text, "https://app.example/teams/"+team.ID.String()) {
		t.Fatalf("member-added mails %+v", got)
	}
	if _, err := store.RemoveTeamMember(t.Context(), team.ID, dan.ID, velro.NoRule); err != nil {
		t.Fatal(err)
	}
	send(added)
	send(velro.MailJob{Kind: velro.MailMemberAdded, UserID: dan.ID, TeamID: velro.NewID(), ActorID: ada.ID})
	if got := sent.take(t); len(got) != 0 {
		t.Fatalf("member-added mails after leaving, or for no team: %+v", got)
	}
}
