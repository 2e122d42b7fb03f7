package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro/internal/testenv"
)

// testServer is a real server started through run() on a random port.
type testServer struct {
	URL     string
	DataDir string
	stop    context.CancelFunc
	done    chan error
	stderr  *syncBuffer
}

// env is a test's environment for run().
type env map[string]string

func (e env) getenv(key string) string { return e[key] }

// backend is one storage configuration the end-to-end tests run against.
type backend struct {
	name string
	env  func(t *testing.T) env
}

// backends are SQLite always, and PostgreSQL + Redis when the test
// environment names them.
func backends() []backend {
	return []backend{
		{"sqlite", func(t *testing.T) env { return env{} }},
		{"postgres", func(t *testing.T) env {
			return env{"DATABASE_URL": testenv.PostgresURL(t), "REDIS_URL": testenv.RedisURL(t), "VELRO_REDIS_PREFIX": "velro-test:" + uuid.NewString() + ":"}
		}},
	}
}

// sharedBackends are the configurations in which several servers share
// state: PostgreSQL with Redis (one server, then a cluster), and
// PostgreSQL alone (events over LISTEN/NOTIFY).
func forEachSharedBackend(t *testing.T, fn func(t *testing.T, e env)) {
	t.Run("postgres+redis", func(t *testing.T) { fn(t, backends()[1].env(t)) })
	t.Run("postgres+redis-cluster", func(t *testing.T) {
		fn(t, env{"DATABASE_URL": testenv.PostgresURL(t), "REDIS_URL": testenv.RedisClusterURL(t)})
	})
	t.Run("postgres", func(t *testing.T) { fn(t, env{"DATABASE_URL": testenv.PostgresURL(t)}) })
}

func forEachBackend(t *testing.T, fn func(t *testing.T, e env)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { fn(t, b.env(t)) })
	}
}

// startServer runs the server with e (plus a temporary data dir and a
// random port unless e sets them) and stops it when the test ends. Tests
// register many accounts from one address: registration (and an account's
// invitations) is unthrottled unless e sets VELRO_REGISTER_LIMIT
// (throttle_test.go does) or VELRO_INVITE_LIMIT. They submit
// faster than generations end: the cap of active generations is off
// unless e sets VELRO_MAX_ACTIVE_GENERATIONS (fairness_test.go does).
func startServer(t testing.TB, e env) *testServer {
	t.Helper()
	full := env{"VELRO_ADDR": "127.0.0.1:0", "VELRO_DATA_DIR": t.TempDir(), "VELRO_LOG_LEVEL": "warn", "VELRO_REGISTER_LIMIT": "0",
		"VELRO_INVITE_LIMIT": "0", "VELRO_MAX_ACTIVE_GENERATIONS": "0"}
	for k, v := range e {
		full[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &testServer{DataDir: full["VELRO_DATA_DIR"], stop: cancel, done: make(chan error, 1), stderr: &syncBuffer{}}
	go func() {
		s.done <- run(ctx, []string{"velro"}, full.getenv, pw, s.stderr)
		pw.Close()
	}()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "velro listening on "); ok {
				addr <- u
			}
		}
		close(addr)
	}()
	select {
	case u, ok := <-addr:
		if !ok {
			t.Fatalf("server exited before listening: %v\n%s", <-s.done, s.stderr)
		}
		s.URL = u
	case <-time.After(20 * time.Second):
		t.Fatalf("server did not start\n%s", s.stderr)
	}
	t.Cleanup(func() { s.Stop(t) })
	return s
}

// Stop shuts the server down and checks that it exited cleanly.
func (s *testServer) Stop(t testing.TB) {
	if s.stop == nil {
		return
	}
	s.stop()
	s.stop = nil
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("run returned %v\n%s", err, s.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("server did not stop")
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// response is a decoded reply.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as an object.
func (r *response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

// Str returns a string field of the JSON body.
func (r *response) Str(t testing.TB, key string) string {
	t.Helper()
	s, _ := r.JSON(t)[key].(string)
	return s
}

// client talks to a test server as one caller.
type client struct {
	t     testing.TB
	base  string
	token string
	http  *http.Client
}

func (s *testServer) client(t testing.TB) *client {
	return &client{t: t, base: s.URL, http: &http.Client{Timeout: 30 * time.Second}}
}

// from returns a client whose connections come from the given local IP
// (another loopback address is another client to the server).
func (c *client) from(ip string) *client {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	cp := *c
	cp.http = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: dialer.DialContext}}
	return &cp
}

func (c *client) with(token string) *client {
	cp := *c
	cp.token = token
	return &cp
}

// do sends body (marshalled to JSON unless it is a string or nil) with
// extra headers given as name, value pairs.
func (c *client) do(method, path string, body any, headers ...string) *response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

// status sends a request and reads only the status and headers (for
// responses that stay open, like event streams).
func (c *client) status(method, path string) *response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	resp.Body.Close()
	return &response{Status: resp.StatusCode, Header: resp.Header}
}

// want fails unless the response has the status.
func (r *response) want(t testing.TB, status int) *response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	return r
}

// wantError checks status, error code and the standard error body.
func (r *response) wantError(t testing.TB, status int, code string) *response {
	t.Helper()
	r.want(t, status)
	m := r.JSON(t)
	if m["error"] != code || m["detail"] == "" || m["request_id"] != r.Header.Get("X-Request-ID") || m["request_id"] == "" {
		t.Fatalf("error body %s, want code %q with detail and request_id", r.Body, code)
	}
	return r
}

// account is a registered user with its tokens.
type account struct {
	ID, Email, Password, Access, Refresh string
}

func register(t testing.TB, c *client, email string) account {
	t.Helper()
	a := account{Email: email, Password: "Passw0rd-" + email}
	r := c.do("POST", "/api/v1/auth/register", map[string]any{"email": email, "password": a.Password, "full_name": "Test " + email}).want(t, 201)
	m := r.JSON(t)
	a.Access, a.Refresh = m["access_token"].(string), m["refresh_token"].(string)
	a.ID = m["user"].(map[string]any)["id"].(string)
	return a
}

// parallel sends n requests at once (do(i) sends the i-th) and counts the
// statuses; each 429 must say when to come back.
func parallel(t *testing.T, n int, do func(i int) *response) map[int]int {
	t.Helper()
	results := make([]*response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			results[i] = do(i)
		})
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, r := range results {
		count[r.Status]++
		if r.Status == 429 && r.Header.Get("Retry-After") == "" {
			t.Fatalf("429 without Retry-After: %s", r.Body)
		}
	}
	return count
}
