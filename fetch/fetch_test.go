package fetch_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/velro-ai/velro/fetch"
)

// recorder is a loopback HTTP server that records what reaches it: every
// accepted connection and each request's Authorization header.
type recorder struct {
	*httptest.Server
	accepted atomic.Int32
	mu       sync.Mutex
	auth     []string
}

func newRecorder(t *testing.T, h http.HandlerFunc) *recorder {
	r := &recorder{}
	r.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.auth = append(r.auth, req.Header.Get("Authorization"))
		r.mu.Unlock()
		h(w, req)
	}))
	r.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			r.accepted.Add(1)
		}
	}
	r.Start()
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) origin(t *testing.T) fetch.Origin {
	o, err := fetch.ParseOrigin(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (r *recorder) authorizations() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.auth
}

func get(t *testing.T, c *fetch.Client, url string, header ...string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.Do(req)
}

func serve(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		io.WriteString(w, body)
	}
}

// redirect sends every request to target.
func redirect(target func() string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target(), http.StatusFound) }
}

func TestAdmittedOrigin(t *testing.T) {
	srv := newRecorder(t, serve("pixels"))
	c := fetch.New(fetch.Config{Allow: []fetch.Origin{srv.origin(t)}})
	resp, err := get(t, c, srv.URL+"/out.png")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || string(body) != "pixels" || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("got %q (%s), %v", body, resp.Header.Get("Content-Type"), err)
	}
}

// Nothing but an admitted origin reaches a loopback server: not plain
// http, not https to its address in any spelling, not a name resolving to
// it. No connection is even opened.
func TestRefusesInternalDestinations(t *testing.T) {
	srv := newRecorder(t, serve("secret"))
	port := strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
	other := newRecorder(t, serve("admitted"))
	c := fetch.New(fetch.Config{Allow: []fetch.Origin{other.origin(t)}})
	for _, url := range []string{
		"http://127.0.0.1:" + port + "/",
		"https://127.0.0.1:" + port + "/",
		"https://[::ffff:127.0.0.1]:" + port + "/",
		"https://localhost:" + port + "/", // refused on the resolved address
	} {
		resp, err := get(t, c, url)
		if err == nil {
			resp.Body.Close()
		}
		if !errors.Is(err, fetch.ErrRefused) {
			t.Errorf("GET %s: err = %v, want ErrRefused", url, err)
		}
	}
	if n := srv.accepted.Load(); n != 0 {
		t.Errorf("the internal server accepted %d connections", n)
	}
}

// Plain http is refused on the URL alone, before any name is looked up
// or address dialled.
func TestRefusesPlainHTTP(t *testing.T) {
	_, err := get(t, fetch.New(fetch.Config{}), "http://storage.example/out.png")
	var op *net.OpError
	if !errors.Is(err, fetch.ErrRefused) || errors.As(err, &op) {
		t.Fatalf("err = %v, want ErrRefused without a dial", err)
	}
}

// A name that resolves to loopback passes every check that reads the URL;
// it is the connect-time check that refuses it.
func TestRefusesAtDialTime(t *testing.T) {
	srv := newRecorder(t, serve("secret"))
	port := strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
	_, err := get(t, fetch.New(fetch.Config{}), "https://localhost:"+port+"/")
	var op *net.OpError
	if !errors.Is(err, fetch.ErrRefused) || !errors.As(err, &op) || op.Op != "dial" {
		t.Fatalf("err = %v, want ErrRefused from the dial", err)
	}
	if n := srv.accepted.Load(); n != 0 {
		t.Errorf("the server accepted %d connections", n)
	}
}

func TestRedirectToInternalRefused(t *testing.T) {
	internal := newRecorder(t, serve("secret"))
	port := strconv.Itoa(internal.Listener.Addr().(*net.TCPAddr).Port)
	for _, target := range []string{internal.URL + "/", "https://127.0.0.1:" + port + "/", "https://localhost:" + port + "/"} {
		front := newRecorder(t, redirect(func() string { return target }))
		c := fetch.New(fetch.Config{Allow: []fetch.Origin{front.origin(t)}})
		resp, err := get(t, c, front.URL+"/out.png")
		if err == nil {
			resp.Body.Close()
		}
		if !errors.Is(err, fetch.ErrRefused) {
			t.Errorf("redirect to %s: err = %v, want ErrRefused", target, err)
		}
	}
	if n := internal.accepted.Load(); n != 0 {
		t.Errorf("the internal server accepted %d connections", n)
	}
}

func TestRedirectLimit(t *testing.T) {
	// /hop/N redirects to /hop/N-1; /hop/0 answers.
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/"))
		if n == 0 {
			io.WriteString(w, "arrived")
			return
		}
		http.Redirect(w, r, "/hop/"+strconv.Itoa(n-1), http.StatusFound)
	})
	c := fetch.New(fetch.Config{Allow: []fetch.Origin{srv.origin(t)}})
	resp, err := get(t, c, srv.URL+"/hop/"+strconv.Itoa(fetch.MaxRedirects))
	if err != nil {
		t.Fatalf("%d redirects: %v", fetch.MaxRedirects, err)
	}
	resp.Body.Close()
	resp, err = get(t, c, srv.URL+"/hop/"+strconv.Itoa(fetch.MaxRedirects+1))
	if err == nil {
		resp.Body.Close()
	}
	if !errors.Is(err, fetch.ErrRefused) {
		t.Fatalf("%d redirects: err = %v, want ErrRefused", fetch.MaxRedirects+1, err)
	}
}

// Go's client forwards Authorization to the same host on another port;
// this one sends it back to the origin it was set for only.
func TestCredentialsStayOnOrigin(t *testing.T) {
	other := newRecorder(t, serve("file"))
	front := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/file", http.StatusFound)
		case "/away":
			http.Redirect(w, r, other.URL+"/file", http.StatusFound)
		default:
			io.WriteString(w, "file")
		}
	})
	c := fetch.New(fetch.Config{Allow: []fetch.Origin{front.origin(t), other.origin(t)}})
	for _, path := range []string{"/same", "/away"} {
		resp, err := get(t, c, front.URL+path, "Authorization", "Key secret")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if got := front.authorizations(); len(got) != 3 || got[0] != "Key secret" || got[1] != "Key secret" || got[2] != "Key secret" {
		t.Errorf("the origin's requests carried %q, want the key on all three", got)
	}
	if got := other.authorizations(); len(got) != 1 || got[0] != "" {
		t.Errorf("the other port got Authorization %q, want none", got)
	}
}

func TestSizeLimit(t *testing.T) {
	const limit = 64 << 10
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		if r.URL.Query().Has("declared") {
			w.Header().Set("Content-Length", strconv.Itoa(n))
		}
		chunk := bytes.Repeat([]byte("x"), 4096)
		for n > 0 { // flushed chunks: no length unless declared
			k := min(n, len(chunk))
			w.Write(chunk[:k])
			w.(http.Flusher).Flush()
			n -= k
		}
	})
	c := fetch.New(fetch.Config{Allow: []fetch.Origin{srv.origin(t)}, MaxBytes: limit})

	read := func(url string) (int64, error) {
		resp, err := get(t, c, url)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		return io.Copy(io.Discard, resp.Body)
	}
	if n, err := read(srv.URL + "/?n=" + strconv.Itoa(limit)); err != nil || n != limit {
		t.Fatalf("exactly the limit: %d bytes, %v", n, err)
	}
	n, err := read(srv.URL + "/?n=" + strconv.Itoa(limit+1))
	if !errors.Is(err, fetch.ErrTooLarge) || n > limit {
		t.Fatalf("one byte over, streamed: %d bytes, %v; want ErrTooLarge after at most %d", n, err, limit)
	}
	if n, err := read(srv.URL + "/?declared&n=" + strconv.Itoa(limit+1)); !errors.Is(err, fetch.ErrTooLarge) || n != 0 {
		t.Fatalf("declared over the limit: %d bytes, %v; want ErrTooLarge before reading", n, err)
	}
}
