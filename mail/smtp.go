package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTP sends through a mail server.
type SMTP struct {
	cfg  SMTPConfig
	from string
	tls  *tls.Config
}

// NewSMTP sends as from through the server cfg names. roots, if not nil,
// replaces the system's trusted certificates (tests with their own CA).
func NewSMTP(cfg SMTPConfig, from string, roots *x509.CertPool) *SMTP {
	return &SMTP{cfg: cfg, from: from, tls: &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12, RootCAs: roots}}
}

// sendTimeout bounds one delivery: connecting, greeting, sending.
const sendTimeout = 30 * time.Second

// Send implements Sender: one connection per message (mails are few).
func (s *SMTP) Send(ctx context.Context, m *Message) error {
	msg, err := build(s.from, m)
	if err != nil {
		return err
	}
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTLSConfig(s.tls), gomail.WithTimeout(sendTimeout)}
	switch s.cfg.Security {
	case Opportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case StartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	}
	if s.cfg.Username != "" {
		// The strongest mechanism the server offers; PLAIN and LOGIN only
		// over TLS.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	client, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	return client.DialAndSendWithContext(ctx, msg)
}
