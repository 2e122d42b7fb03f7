package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// StatusError is an answer with another status than the one expected.
type StatusError struct {
	Method, Path string
	Status       int
	Code         string // the API's error code, when the body has one
	Detail       string
	RetryAfter   string
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s %s: HTTP %d", e.Method, e.Path, e.Status)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Kind names the error class in the tables: the status and the API's code.
func (e *StatusError) Kind() string {
	if e.Code != "" {
		return fmt.Sprintf("HTTP %d %s", e.Status, e.Code)
	}
	return fmt.Sprintf("HTTP %d", e.Status)
}

// dialCounter counts the TCP connections a group of clients opened, so a
// run can tell whether its keep-alive connections stayed open.
type dialCounter struct {
	dials  atomic.Int64
	dialer net.Dialer
}

func (d *dialCounter) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := d.dialer.DialContext(ctx, network, addr)
	if err == nil {
		d.dials.Add(1)
	}
	return conn, err
}

// newClient returns a client of at most conns keep-alive connections that
// stay open between requests for as long as the server keeps them.
func newClient(conns int, timeout time.Duration, dials *dialCounter) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext:         dials.DialContext,
			MaxConnsPerHost:     conns,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
	}
}

// call sends one JSON request (a bearer token unless empty) and decodes
// the answer into out: a *[]byte takes the raw body, nil discards it. Any
// status but want is a *StatusError. The body is always read to its end so
// the connection is reused.
func call(ctx context.Context, c *http.Client, method, url, token string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == want && out == nil {
		_, err := io.Copy(io.Discard, resp.Body) // no copy of the body: the load generator shares the CPU
		return err
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		e := &StatusError{Method: method, Path: req.URL.Path, Status: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After")}
		var apiErr struct {
			Code   string `json:"error"`
			Detail string `json:"detail"`
		}
		if json.Unmarshal(raw, &apiErr) == nil {
			e.Code, e.Detail = apiErr.Code, apiErr.Detail
		} else {
			e.Detail = strings.TrimSpace(string(raw[:min(len(raw), 200)]))
		}
		return e
	}
	if p, ok := out.(*[]byte); ok {
		*p = raw
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: undecodable answer: %w", method, req.URL.Path, err)
	}
	return nil
}
