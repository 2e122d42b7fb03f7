package mail_test

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/velro-ai/velro/internal/mailsink"
	"github.com/velro-ai/velro/mail"
)

func message(t *testing.T, to string) *mail.Message {
	t.Helper()
	m, err := mail.Compose("invitation", to, mail.Data{Email: to, Link: "https://app.example/invitations/tok3n",
		ValidFor: "7 days", TeamName: "Fox & <Friends>", Role: "editor", Inviter: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCompose(t *testing.T) {
	for _, kind := range []string{"password_reset", "email_verification", "invitation"} {
		m, err := mail.Compose(kind, "ada@example.com", mail.Data{Email: "ada@example.com", Name: "Ada",
			Link: "https://app.example/x?token=abc", ValidFor: "1 hour", TeamName: "T", Role: "viewer", Inviter: "Bob"})
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if m.Subject == "" || strings.Contains(m.Subject, "\n") || !strings.Contains(m.Text, "https://app.example/x?token=abc") ||
			!strings.Contains(m.HTML, `href="https://app.example/x?token=abc"`) || strings.HasPrefix(m.Text, "Subject") {
			t.Fatalf("%s: %+v", kind, m)
		}
	}
	// HTML is escaped in the HTML body, not in the text one.
	m := message(t, "ann@example.com")
	if !strings.Contains(m.HTML, "Fox &amp; &lt;Friends&gt;") || !strings.Contains(m.Text, `"Fox & <Friends>"`) {
		t.Fatalf("escaping: html %q / text %q", m.HTML, m.Text)
	}
	if _, err := mail.Compose("no_such_kind", "a@example.com", mail.Data{}); err == nil {
		t.Fatal("an unknown template composed")
	}
}

func smtpConfig(t *testing.T, raw string) mail.SMTPConfig {
	t.Helper()
	cfg, err := mail.ParseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	return *cfg
}

// TestSMTPWithoutSTARTTLS: smtp:// talks plain SMTP to a server that
// offers no STARTTLS (a local relay), and the message arrives whole.
func TestSMTPWithoutSTARTTLS(t *testing.T) {
	sink := mailsink.Start(t, mailsink.Options{})
	s := mail.NewSMTP(smtpConfig(t, "smtp://127.0.0.1:"+sink.Port()), "Velro <no-reply@velro.test>", nil)
	if err := s.Send(t.Context(), message(t, "ann@example.com")); err != nil {
		t.Fatal(err)
	}
	got := sink.Next(t, "ann@example.com", 5*time.Second)
	if got.From != "no-reply@velro.test" || got.Header.Get("Subject") != "Ada invites you to the team Fox & <Friends> on Velro" ||
		got.Link(t, "https://app.example/") != "https://app.example/invitations/tok3n" || !strings.Contains(got.HTML, "Fox &amp; &lt;Friends&gt;") ||
		got.Header.Get("Message-Id") == "" || got.Header.Get("Date") == "" {
		t.Fatalf("received %+v", got)
	}
	// smtp+starttls:// refuses the same server.
	strict := mail.NewSMTP(smtpConfig(t, "smtp+starttls://127.0.0.1:"+sink.Port()), "no-reply@velro.test", nil)
	if err := strict.Send(t.Context(), message(t, "bob@example.com")); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("smtp+starttls:// to a server without STARTTLS: %v", err)
	}
	if sink.Count() != 0 {
		t.Fatal("a message went in clear under smtp+starttls://")
	}
}

// TestSMTPWithSTARTTLSAndLogin: smtp:// and smtp+starttls:// upgrade to
// TLS when offered and log in there; wrong credentials fail.
func TestSMTPWithSTARTTLSAndLogin(t *testing.T) {
	sink := mailsink.Start(t, mailsink.Options{STARTTLS: true, Username: "velro", Password: "s3cret"})
	for _, scheme := range []string{"smtp", "smtp+starttls"} {
		s := mail.NewSMTP(smtpConfig(t, scheme+"://velro:s3cret@127.0.0.1:"+sink.Port()), "no-reply@velro.test", sink.Roots)
		to := scheme + "@example.com"
		if err := s.Send(t.Context(), message(t, to)); err != nil {
			t.Fatalf("%s: %v", scheme, err)
		}
		sink.Next(t, to, 5*time.Second)
	}
	bad := mail.NewSMTP(smtpConfig(t, "smtp://velro:wrong@127.0.0.1:"+sink.Port()), "no-reply@velro.test", sink.Roots)
	if err := bad.Send(t.Context(), message(t, "x@example.com")); err == nil {
		t.Fatal("wrong credentials sent a mail")
	}
	// A certificate the client does not trust stops it.
	untrusted := mail.NewSMTP(smtpConfig(t, "smtp+starttls://velro:s3cret@127.0.0.1:"+sink.Port()), "no-reply@velro.test", nil)
	if err := untrusted.Send(t.Context(), message(t, "y@example.com")); err == nil {
		t.Fatal("an untrusted certificate was accepted")
	}
}

// TestSMTPDown: a server that is not there is an error (the queue tries
// again later), not a hang.
func TestSMTPDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, port, _ := net.SplitHostPort(addr)
	s := mail.NewSMTP(smtpConfig(t, "smtp://127.0.0.1:"+port), "no-reply@velro.test", nil)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := s.Send(ctx, message(t, "a@example.com")); err == nil {
		t.Fatal("sending to a closed port succeeded")
	}
}

func TestOutbox(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	o, err := mail.NewOutbox(dir, "Velro <no-reply@localhost>", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Send(t.Context(), message(t, "ann@example.com")); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 || !strings.HasSuffix(files[0], ".eml") {
		t.Fatalf("outbox holds %v", files)
	}
	raw, _ := os.ReadFile(files[0])
	m, err := mailsink.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.To) != 1 || m.To[0] != "ann@example.com" || m.Link(t, "https://app.example/") != "https://app.example/invitations/tok3n" {
		t.Fatalf("outbox file %+v", m)
	}
}

func TestParseURL(t *testing.T) {
	good := map[string]mail.SMTPConfig{
		"smtp://relay":                        {Host: "relay", Port: 587, Security: mail.Opportunistic},
		"smtp://u%40x:p%3Ass@mail.example:25": {Host: "mail.example", Port: 25, Username: "u@x", Password: "p:ss"},
		"smtp+starttls://mail.example":        {Host: "mail.example", Port: 587, Security: mail.StartTLS},
		"smtps://u:p@mail.example":            {Host: "mail.example", Port: 465, Security: mail.ImplicitTLS, Username: "u", Password: "p"},
		"smtps://mail.example:2465/":          {Host: "mail.example", Port: 2465, Security: mail.ImplicitTLS},
	}
	for raw, want := range good {
		got, err := mail.ParseURL(raw)
		if err != nil || *got != want {
			t.Errorf("%s: %+v, %v; want %+v", raw, got, err, want)
		}
	}
	for _, raw := range []string{"http://mail.example", "smtp://", "smtp://h:0", "smtp://h:99999", "smtp://h/path", "smtp://h?tls=1", "mail.example:25"} {
		if _, err := mail.ParseURL(raw); err == nil {
			t.Errorf("%s parsed", raw)
		}
	}
}
