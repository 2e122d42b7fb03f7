// Package mailsink is an SMTP server for tests (emersion/go-smtp): it
// keeps every message it receives, and parses messages (or .eml files)
// into their text and HTML bodies and the links in them.
package mailsink

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is a received (or read) message.
type Mail struct {
	From   string
	To     []string
	Header mail.Header
	Text   string
	HTML   string
}

// Options configure a Sink.
type Options struct {
	// STARTTLS offers TLS with a certificate for 127.0.0.1 (Roots trusts
	// it); without it the server speaks plain SMTP only.
	STARTTLS bool
	// Username and Password, when set, are required (PLAIN, over TLS).
	Username, Password string
	// Addr is where to listen; default a free loopback port.
	Addr string
}

// Sink is a running SMTP server on loopback.
type Sink struct {
	Addr  string
	Roots *x509.CertPool
	srv   *smtp.Server
	opts  Options
	mu    sync.Mutex
	mails []*Mail
	added chan struct{}
}

// Start runs a sink until the test ends.
func Start(t testing.TB, opts Options) *Sink {
	t.Helper()
	s := &Sink{opts: opts, added: make(chan struct{}, 1)}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{sink: s}, nil }))
	s.srv.Domain = "sink.test"
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	if opts.STARTTLS {
		cert, roots := selfSigned(t)
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.Roots = roots
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// Port is the sink's port.
func (s *Sink) Port() string {
	_, port, _ := net.SplitHostPort(s.Addr)
	return port
}

// Next waits up to timeout for a message to the address and returns it.
func (s *Sink) Next(t testing.TB, to string, timeout time.Duration) *Mail {
	t.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		for i, m := range s.mails {
			if len(m.To) > 0 && strings.EqualFold(m.To[0], to) {
				s.mails = append(s.mails[:i], s.mails[i+1:]...)
				s.mu.Unlock()
				return m
			}
		}
		s.mu.Unlock()
		select {
		case <-s.added:
		case <-deadline:
			t.Fatalf("no mail to %s within %v", to, timeout)
			return nil
		}
	}
}

// Count is how many messages wait to be taken by Next.
func (s *Sink) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.mails)
}

type session struct {
	sink   *Sink
	authed bool
	from   string
	to     []string
}

func (se *session) AuthMechanisms() []string {
	if se.sink.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (se *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != se.sink.opts.Username || password != se.sink.opts.Password {
			return errors.New("invalid credentials")
		}
		se.authed = true
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.sink.opts.Username != "" && !se.authed {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := Parse(raw)
	if err != nil {
		return err
	}
	m.From, m.To = se.from, se.to
	se.sink.mu.Lock()
	se.sink.mails = append(se.sink.mails, m)
	se.sink.mu.Unlock()
	select {
	case se.sink.added <- struct{}{}:
	default:
	}
	return nil
}

func (se *session) Reset()        { se.from, se.to = "", nil }
func (se *session) Logout() error { return nil }

// Parse reads a MIME message: its headers and its text and HTML parts.
func Parse(raw []byte) (*Mail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	m := &Mail{Header: msg.Header}
	if to, err := msg.Header.AddressList("To"); err == nil {
		for _, a := range to {
			m.To = append(m.To, a.Address)
		}
	}
	return m, m.readPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
}

func (m *Mail) readPart(contentType, encoding string, body io.Reader) error {
	media, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	if strings.HasPrefix(media, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			} else if err != nil {
				return err
			}
			if err := m.readPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	if strings.EqualFold(encoding, "base64") {
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch media {
	case "text/plain":
		m.Text = string(data)
	case "text/html":
		m.HTML = string(data)
	}
	return nil
}

var linkPattern = regexp.MustCompile(`https?://[^\s"<>]+`)

// Link returns the first link in the text body that starts with prefix.
func (m *Mail) Link(t testing.TB, prefix string) string {
	t.Helper()
	for _, l := range linkPattern.FindAllString(m.Text, -1) {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	t.Fatalf("no link starting with %s in the mail:\n%s", prefix, m.Text)
	return ""
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, IsCA: true,
		BasicConstraintsValid: true, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, roots
}
