package mail_test

import (
	"context"
	"html"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
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
	for _, kind := range kinds(t) {
		m, err := mail.Compose(kind, "ada@example.com", mail.Data{Email: "ada@example.com", Name: "Ada",
			Link: "https://app.example/x?token=abc", ValidFor: "1 hour", TeamName: "T", Role: "viewer", Inviter: "Bob", InviterEmail: "bob@example.com"})
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
	if !strings.Contains(m.HTML, "&#34;Fox &amp; &lt;Friends&gt;&#34;") || !strings.Contains(m.Text, `"Fox & <Friends>"`) {
		t.Fatalf("escaping: html %q / text %q", m.HTML, m.Text)
	}
	if _, err := mail.Compose("no_such_kind", "a@example.com", mail.Data{}); err == nil {
		t.Fatal("an unknown template composed")
	}
}

// kinds are the mails the templates directory holds (user_text is a part
// of others).
func kinds(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("templates/*.txt")
	if err != nil || len(files) < 4 {
		t.Fatalf("templates %v %v", files, err)
	}
	var list []string
	for _, f := range files {
		if kind := strings.TrimSuffix(filepath.Base(f), ".txt"); kind != "user_text" {
			list = append(list, kind)
		}
	}
	return list
}

// TestSubjectsHoldNoUserText: a fresh account named "Velro Security" with a
// team named "ACTION REQUIRED: ..." made Velro send that text as the
// Subject of its mails. No template puts user text in a Subject; in the
// bodies it appears only quoted, after the words saying another user wrote
// it, with line breaks escaped so it cannot forge headers or lines.
func TestSubjectsHoldNoUserText(t *testing.T) {
	const team = "ACTION REQUIRED: account suspended, restore at https://velro-restore.evil.example\r\nBcc: x@evil.example"
	userText := map[string]string{ // field -> what the mail must show, quoted and escaped
		"TeamName":     team,
		"Inviter":      "Velro Security\u202e",
		"InviterEmail": "security@velro-restore.evil.example",
	}
	data := mail.Data{Email: "victim@example.com", Name: "Victim", Link: "https://app.example/x", ValidFor: "7 days", Role: "editor",
		TeamName: "ACTION REQUIRED: account suspended, restore at https://velro-restore.evil.example\r\nBcc: x@evil.example",
		Inviter:  "Velro Security\u202e", InviterEmail: "security@velro-restore.evil.example"}
	for _, kind := range kinds(t) {
		m, err := mail.Compose(kind, data.Email, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, needle := range []string{"ACTION", "evil", "Security", "\r", "\n"} {
			if strings.Contains(m.Subject, needle) {
				t.Errorf("%s: the subject %q holds user text", kind, m.Subject)
			}
		}
		if strings.Contains(m.Text, "\r") || strings.Contains(m.Text, "\u202e") {
			t.Errorf("%s: a raw control or bidi character reached the text", kind)
		}
		if !strings.Contains(kind, "invitation") && kind != "member_added" {
			continue // mails about the reader's own account show no one else's words
		}
		marker := strings.Index(m.Text, "written by the sender, not by Velro")
		if marker < 0 {
			t.Fatalf("%s: no words marking user text:\n%s", kind, m.Text)
		}
		for field, want := range userText {
			quoted := strconv.Quote(want)
			at := strings.Index(m.Text, quoted)
			if at < 0 || strings.Contains(m.Text[:at], want) {
				t.Errorf("%s: %s is not shown quoted (%s), or shown unquoted first:\n%s", kind, field, quoted, m.Text)
			}
			if field != "InviterEmail" && at < marker {
				t.Errorf("%s: %s appears before the words marking it as user text", kind, field)
			}
			if !strings.Contains(m.HTML, html.EscapeString(quoted)) {
				t.Errorf("%s: %s is not quoted in the HTML", kind, field)
			}
		}
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
	if got.From != "no-reply@velro.test" || got.Header.Get("Subject") != "You are invited to join a team on Velro" ||
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
