package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/velro-ai/velro/internal/falfake"
)

// The error_message texts of refused or failed fetches (SECURITY.md): generic,
// never the remote body, host, port or network error.
const (
	msgFetch    = "Generation failed: could not fetch an output"
	msgProvider = "Generation failed: the provider reported an error"
	msgTooMany  = "Generation failed: the provider returned more than 8 outputs"
)

const falModel = "fal-ai/flux-pro/v1.1-ultra"

// falClient starts a server that uses fake as FAL (with extra settings)
// and returns a signed-in client.
func falClient(t *testing.T, fake *falfake.Server, extra env) (*client, *testServer) {
	t.Helper()
	srv := startServer(t, merge(env{"FAL_KEY": "test-key", "FAL_BASE_URL": fake.URL()}, extra))
	c := srv.client(t)
	return c.with(register(t, c, "ada@example.com").Access), srv
}

// failsGenerically waits for generation id to fail and checks that it was
// refunded, left no media behind, and says want and nothing of secrets.
func failsGenerically(t *testing.T, c *client, srv *testServer, id, want string, secrets ...string) {
	t.Helper()
	g := waitStatus(t, c, id, "failed")
	msg, _ := g["error_message"].(string)
	if msg != want {
		t.Errorf("error_message = %q, want %q", msg, want)
	}
	for _, s := range secrets {
		if strings.Contains(msg, s) {
			t.Errorf("error_message %q gives away %q", msg, s)
		}
	}
	if l := ledger(t, c, id); l["usage"] != 1 || l["refund"] != 1 {
		t.Errorf("ledger %v, want charged and refunded once", l)
	}
	if _, err := os.Stat(filepath.Join(srv.DataDir, "media", "generations", id)); !os.IsNotExist(err) {
		t.Errorf("media of the failed generation left behind (stat: %v)", err)
	}
}

// internalServer is a loopback service no fetch may reach: it counts the
// connections it accepts and answers with a secret.
type internalServer struct {
	*httptest.Server
	Port     string
	accepted atomic.Int32
}

func newInternalServer(t *testing.T, status int) *internalServer {
	s := &internalServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
		w.Write([]byte("secret: redis at 10.0.0.7:6379"))
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.accepted.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	s.Port = strconv.Itoa(s.Listener.Addr().(*net.TCPAddr).Port)
	return s
}

// An output on an internal address, named directly or reached through a
// redirect, by address or by a name that resolves to it, is never
// fetched: the generation fails, refunded, and the service sees nothing.
func TestFALOutputOnInternalAddressRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		url  func(s *internalServer) string
	}{
		{"loopback over http", func(s *internalServer) string { return s.URL + "/out.png" }},
		{"loopback over https", func(s *internalServer) string { return "https://127.0.0.1:" + s.Port + "/out.png" }},
		{"name resolving to loopback", func(s *internalServer) string { return "https://localhost:" + s.Port + "/out.png" }},
		{"redirect to loopback", func(s *internalServer) string { return falfake.Redirect(s.URL + "/out.png") }},
		{"redirect to a name resolving to loopback", func(s *internalServer) string {
			return falfake.Redirect("https://localhost:" + s.Port + "/out.png")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			internal := newInternalServer(t, http.StatusOK)
			fake := falfake.New(t, falfake.Config{OutputURL: tc.url(internal)})
			c, srv := falClient(t, fake, env{})
			id := submit(t, c, map[string]any{"model_id": falModel, "prompt": "a lighthouse"})["id"].(string)
			failsGenerically(t, c, srv, id, msgFetch, "127.0.0.1", "localhost", internal.Port, "secret")
			if n := internal.accepted.Load(); n != 0 {
				t.Errorf("the internal service accepted %d connections", n)
			}
		})
	}
}

// The key goes to FAL's origin only: a redirect to the same host on
// another port (admitted, so the file is fetched) does not carry it.
func TestFALKeyNotForwardedToAnotherPort(t *testing.T) {
	fake := falfake.New(t, falfake.Config{CDN: true, CDNRedirect: true})
	c, _ := falClient(t, fake, env{"VELRO_FETCH_ALLOW": fake.CDNURL()})
	id := submit(t, c, map[string]any{"model_id": falModel, "prompt": "a lighthouse"})["id"].(string)
	waitStatus(t, c, id, "completed")
	downloads := fake.Calls(http.MethodGet, "/files/")
	if len(downloads) != 1 || downloads[0].Server != "cdn" {
		t.Fatalf("downloads %+v, want one from the CDN", downloads)
	}
	if downloads[0].Auth != "" {
		t.Errorf("the CDN on another port got Authorization %q", downloads[0].Auth)
	}
}

func TestFALOutputLimit(t *testing.T) {
	t.Run("8 outputs are stored", func(t *testing.T) {
		fake := falfake.New(t, falfake.Config{Outputs: 8})
		c, srv := falClient(t, fake, env{})
		id := submit(t, c, map[string]any{"model_id": falModel, "prompt": "a lighthouse"})["id"].(string)
		urls := waitStatus(t, c, id, "completed")["output_urls"].([]any)
		if len(urls) != 8 {
			t.Fatalf("%d outputs, want 8", len(urls))
		}
		for _, u := range urls {
			if _, err := os.Stat(filepath.Join(srv.DataDir, "media", u.(string))); err != nil {
				t.Error(err)
			}
		}
	})
	t.Run("9 outputs fail and refund", func(t *testing.T) {
		fake := falfake.New(t, falfake.Config{Outputs: 9})
		c, srv := falClient(t, fake, env{})
		id := submit(t, c, map[string]any{"model_id": falModel, "prompt": "a lighthouse"})["id"].(string)
		failsGenerically(t, c, srv, id, msgTooMany)
		if n := len(fake.Calls(http.MethodGet, "/files/")); n != 0 {
			t.Errorf("%d outputs downloaded of a result over the limit", n)
		}
	})
}

func TestFALOversizeOutput(t *testing.T) {
	fake := falfake.New(t, falfake.Config{FileSize: 256<<20 + 1})
	c, srv := falClient(t, fake, env{})
	id := submit(t, c, map[string]any{"model_id": falModel, "prompt": "a lighthouse"})["id"].(string)
	failsGenerically(t, c, srv, id, msgFetch, "127.0.0.1", "limit", "268435457")
}

// What a provider or a file server says, and how a connection failed,
// goes to the log only: error_message is one generic line.
func TestFALErrorMessagesAreGeneric(t *testing.T) {
	t.Run("result refused", func(t *testing.T) {
		fake := falfake.New(t, falfake.Config{ResultStatus: http.StatusUnprocessableEntity})
		c, srv := falClient(t, fake, env{})
		id := submit(t, c, map[string]any{"model_id": falModel, "prompt": "a lighthouse"})["id"].(string)
		failsGenerically(t, c, srv, id, msgProvider, "model exploded", "422", "127.0.0.1")
	})
	t.Run("download refused with a body", func(t *testing.T) {
		files := newInternalServer(t, http.StatusNotFound)
		fake := falfake.New(t, falfake.Config{OutputURL: files.URL + "/out.png"})
		c, srv := falClient(t, fake, env{"VELRO_FETCH_ALLOW": files.URL})
		id := submit(t, c, map[string]any{"model_id": falModel, "prompt": "a lighthouse"})["id"].(string)
		failsGenerically(t, c, srv, id, msgFetch, "secret", "10.0.0.7", "404", "127.0.0.1", files.Port)
	})
	t.Run("connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := "http://" + ln.Addr().String()
		port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		ln.Close() // nothing listens there now
		fake := falfake.New(t, falfake.Config{OutputURL: closed + "/out.png"})
		c, srv := falClient(t, fake, env{"VELRO_FETCH_ALLOW": closed})
		id := submit(t, c, map[string]any{"model_id": falModel, "prompt": "a lighthouse"})["id"].(string)
		failsGenerically(t, c, srv, id, msgFetch, "refused", "127.0.0.1", port, "dial")
	})
}

// TestFALStreamsLargeOutputs stores 3 outputs of 100 MiB while sampling
// the heap: each output streams from the provider into storage, so the
// heap grows by a small part of one, and the process allocates far less
// than it stores.
func TestFALStreamsLargeOutputs(t *testing.T) {
	const size, count = 100 << 20, 3
	fake := falfake.New(t, falfake.Config{Outputs: count, FileSize: size})
	c, srv := falClient(t, fake, env{})

	runtime.GC() // a baseline without the garbage of earlier tests
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(sample)
	baseHeap, baseAllocs := sample[0].Value.Uint64(), sample[1].Value.Uint64()
	stop, peak := make(chan struct{}), make(chan uint64)
	go func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var most uint64
		for {
			metrics.Read(s)
			most = max(most, s[0].Value.Uint64())
			select {
			case <-stop:
				peak <- most
				return
			case <-tick.C:
			}
		}
	}()
	id := submit(t, c, map[string]any{"model_id": falModel, "prompt": "a lighthouse"})["id"].(string)
	urls := waitStatusWithin(t, c, id, "completed", 2*time.Minute)["output_urls"].([]any)
	close(stop)
	growth := int64(<-peak) - int64(baseHeap)
	metrics.Read(sample)
	allocated := sample[1].Value.Uint64() - baseAllocs

	if len(urls) != count {
		t.Fatalf("%d outputs, want %d", len(urls), count)
	}
	for _, u := range urls {
		info, err := os.Stat(filepath.Join(srv.DataDir, "media", u.(string)))
		if err != nil || info.Size() != size {
			t.Fatalf("stored %s: %v, %v; want %d bytes", u, err, info, size)
		}
	}
	mib := func(n int64) float64 { return float64(n) / (1 << 20) }
	t.Logf("storing %d x %d MiB: heap grew by at most %.1f MiB from %.1f MiB; %.1f MiB allocated",
		count, size>>20, mib(growth), mib(int64(baseHeap)), mib(int64(allocated)))
	if growth > 32<<20 || allocated > 64<<20 {
		t.Errorf("heap grew by %.1f MiB and %.1f MiB were allocated storing %d MiB of outputs: they were buffered",
			mib(growth), mib(int64(allocated)), count*size>>20)
	}
}
