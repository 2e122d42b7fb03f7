// Package fetch is Velro's HTTP client for URLs it does not control:
// provider results and outputs, user-supplied reference images. Outside
// the origins admitted explicitly, it speaks https only and never
// connects to a loopback, private, link-local (cloud metadata) or other
// non-public address: the check runs on the resolved address at connect
// time, so redirects and names that resolve inward are refused too. It
// follows at most MaxRedirects redirects, sends credentials back to their
// own origin only, and bounds every response body.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// Limits.
const (
	MaxRedirects    = 5
	DefaultMaxBytes = 256 << 20
	DefaultTimeout  = 5 * time.Minute
)

var (
	// ErrRefused is a destination the policy forbids: not https, not a
	// public address, or too many redirects away.
	ErrRefused = errors.New("fetch: destination refused")
	// ErrTooLarge is a response body over the size limit.
	ErrTooLarge = errors.New("fetch: response over the size limit")
)

// Config configures a Client. Zero fields take defaults.
type Config struct {
	// Allow admits origins over plain http and on any address (a FAL
	// stand-in, on-premises storage): VELRO_FETCH_ALLOW.
	Allow []Origin
	// MaxBytes bounds each response body (default 256 MiB).
	MaxBytes int64
	// Timeout bounds one exchange, body included (default 5 minutes).
	Timeout time.Duration
}

// Client sends requests under the policy. It is safe for concurrent use.
type Client struct {
	http     *http.Client
	maxBytes int64
}

// New returns a Client for cfg.
func New(cfg Config) *Client {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	allow := make(map[Origin]bool, len(cfg.Allow))
	for _, o := range cfg.Allow {
		allow[o] = true
	}
	guarded := &net.Dialer{Timeout: 10 * time.Second, Control: refuseNonPublic}
	open := &net.Dialer{Timeout: 10 * time.Second}
	t := http.DefaultTransport.(*http.Transport).Clone()
	// A proxy would be the only address dialled, hiding the destination.
	t.Proxy = nil
	t.ResponseHeaderTimeout = 30 * time.Second
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if ctx.Value(admittedKey{}) != nil {
			return open.DialContext(ctx, network, addr)
		}
		return guarded.DialContext(ctx, network, addr)
	}
	return &Client{
		http:     &http.Client{Transport: &admission{next: t, allow: allow}, CheckRedirect: checkRedirect, Timeout: cfg.Timeout},
		maxBytes: cfg.MaxBytes,
	}
}

// Do sends req (and follows redirects) under the policy. The response's
// body fails with ErrTooLarge once it passes the size limit; a response
// that declares a larger length is refused at once. The caller closes the
// body.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > c.maxBytes {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: %d bytes declared, the limit is %d", ErrTooLarge, resp.ContentLength, c.maxBytes)
	}
	resp.Body = &limitedBody{ReadCloser: resp.Body, left: c.maxBytes}
	return resp, nil
}

// admittedKey marks, in a request's context, a request to an admitted
// origin: its dial skips the address check. Connections are pooled by
// scheme and host:port, that is by origin, so an admitted connection is
// never reused for another origin.
type admittedKey struct{}

// admission runs before every exchange, redirects included: an admitted
// origin goes anywhere, any other needs https and a public address.
type admission struct {
	next  http.RoundTripper
	allow map[Origin]bool
}

func (a *admission) RoundTrip(req *http.Request) (*http.Response, error) {
	if a.allow[OriginOf(req.URL)] {
		return a.next.RoundTrip(req.WithContext(context.WithValue(req.Context(), admittedKey{}, true)))
	}
	if req.URL.Scheme != "https" {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("%w: %s is neither https nor an admitted origin", ErrRefused, OriginOf(req.URL))
	}
	return a.next.RoundTrip(req)
}

// checkRedirect bounds the redirects and keeps credentials on their
// origin: Go forwards them to the same host on any port and to subdomains.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects {
		return fmt.Errorf("%w: more than %d redirects", ErrRefused, MaxRedirects)
	}
	if OriginOf(req.URL) != OriginOf(via[0].URL) {
		req.Header.Del("Authorization")
		req.Header.Del("Cookie")
	}
	return nil
}

// limitedBody fails with ErrTooLarge rather than pass the limit.
type limitedBody struct {
	io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// At the limit: one byte more tells over-size from exactly full.
		var one [1]byte
		n, err := b.ReadCloser.Read(one[:])
		if n > 0 {
			return 0, ErrTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}
