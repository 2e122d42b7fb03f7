package mail

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
)

// Security is how a connection to the mail server is protected.
type Security uint8

// The schemes of VELRO_SMTP_URL.
const (
	// Opportunistic (smtp://) upgrades with STARTTLS when the server
	// offers it and talks plain SMTP when it does not (a local relay).
	Opportunistic Security = iota
	// StartTLS (smtp+starttls://) refuses a server without STARTTLS.
	StartTLS
	// ImplicitTLS (smtps://) speaks TLS from the first byte.
	ImplicitTLS
)

// SMTPConfig is a parsed VELRO_SMTP_URL.
type SMTPConfig struct {
	Host     string
	Port     int
	Security Security
	// Username and Password, when given, are sent only over TLS or with a
	// challenge-response mechanism, never in clear text.
	Username, Password string
}

// ParseURL reads smtp://user:pass@host:587, smtp+starttls://... or
// smtps://...:465. The port defaults to 587 (465 for smtps).
func ParseURL(raw string) (*SMTPConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("is not a URL")
	}
	c := &SMTPConfig{Host: u.Hostname(), Port: 587}
	switch u.Scheme {
	case "smtp":
		c.Security = Opportunistic
	case "smtp+starttls":
		c.Security = StartTLS
	case "smtps":
		c.Security, c.Port = ImplicitTLS, 465
	default:
		return nil, fmt.Errorf("has scheme %q, not smtp, smtp+starttls or smtps", u.Scheme)
	}
	if c.Host == "" {
		return nil, errors.New("names no host")
	}
	if p := u.Port(); p != "" {
		if c.Port, err = strconv.Atoi(p); err != nil || c.Port < 1 || c.Port > 65535 {
			return nil, fmt.Errorf("has a bad port %q", p)
		}
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return nil, errors.New("has a path or query; only scheme, credentials, host and port are read")
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	return c, nil
}
