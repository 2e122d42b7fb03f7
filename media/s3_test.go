package media_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/media"
	"github.com/velro-ai/velro/media/mediatest"
)

// openS3 opens the store at a VELRO_MEDIA_URL, with the smallest part size
// S3 allows so that the large test spans several parts.
func openS3(t *testing.T, rawURL string, getenv func(string) string) velro.MediaStore {
	t.Helper()
	cfg, err := media.ParseS3URL(rawURL, getenv)
	if err != nil {
		t.Fatal(err)
	}
	cfg.PartSize = 5 << 20
	s, err := media.OpenS3(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestS3Fake(t *testing.T) {
	u := testenv.FakeS3(t)
	mediatest.Run(t, func(t *testing.T) velro.MediaStore {
		return openS3(t, u, func(k string) string { return testenv.S3Env[k] })
	}, mediatest.Config{Large: 12 << 20})
}

func TestS3Real(t *testing.T) {
	u := testenv.RealS3URL(t)
	mediatest.Run(t, func(t *testing.T) velro.MediaStore { return openS3(t, u, os.Getenv) }, mediatest.Config{Large: 12 << 20})
}

// TestS3RangedReads: reading from an offset asks S3 for the object from
// that offset on, so serving a range never downloads the whole object.
func TestS3RangedReads(t *testing.T) {
	var mu sync.Mutex
	var gets []string // the Range header of each GET
	var sent int64    // bytes of GET responses
	u := testenv.FakeS3(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || r.URL.Query().Has("list-type") || r.URL.Query().Has("location") {
				h.ServeHTTP(w, r)
				return
			}
			mu.Lock()
			gets = append(gets, r.Header.Get("Range"))
			mu.Unlock()
			h.ServeHTTP(countingWriter{w, &mu, &sent}, r)
		})
	})
	s := openS3(t, u, func(k string) string { return testenv.S3Env[k] })
	const size = 6 << 20
	key := "generations/" + uuid.NewString() + "/0.mp4"
	if err := s.Put(t.Context(), key, bytes.NewReader(make([]byte, size)), "video/mp4"); err != nil {
		t.Fatal(err)
	}
	f, err := s.Open(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if end, err := f.Seek(-10, io.SeekEnd); err != nil || end != size-10 {
		t.Fatalf("seek: %d, %v", end, err)
	}
	if tail, err := io.ReadAll(f); err != nil || len(tail) != 10 {
		t.Fatalf("tail: %d bytes, %v", len(tail), err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := fmt.Sprintf("bytes=%d-", size-10); len(gets) != 1 || gets[0] != want || sent != 10 {
		t.Fatalf("GETs with ranges %q sent %d bytes; want one GET of %q sending 10", gets, sent, want)
	}
}

type countingWriter struct {
	http.ResponseWriter
	mu *sync.Mutex
	n  *int64
}

func (w countingWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.mu.Lock()
	*w.n += int64(n)
	w.mu.Unlock()
	return n, err
}

// TestS3Stalls: a store that stops answering (connections open, nothing
// flows) fails reads, writes and deletions once each response is overdue
// (and the client's retries are spent), instead of holding them; once it
// answers again, so does the store.
func TestS3Stalls(t *testing.T) {
	raw := testenv.FakeS3(t)
	cfg, err := media.ParseS3URL(raw, func(k string) string { return testenv.S3Env[k] })
	if err != nil {
		t.Fatal(err)
	}
	proxy := testenv.NewProxy(t, cfg.Endpoint)
	cfg.Endpoint, cfg.ResponseTimeout = proxy.Addr, 200*time.Millisecond
	s, err := media.OpenS3(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(t.Context(), "a.png", bytes.NewReader([]byte("png")), "image/png"); err != nil {
		t.Fatal(err)
	}

	proxy.Blackhole()
	calls := map[string]func(context.Context) error{
		"put": func(ctx context.Context) error {
			return s.Put(ctx, "b.png", bytes.NewReader([]byte("png")), "image/png")
		},
		"open": func(ctx context.Context) error {
			f, err := s.Open(ctx, "a.png")
			if err == nil {
				f.Close()
			}
			return err
		},
		"delete": func(ctx context.Context) error { return s.DeletePrefix(ctx, "a") },
	}
	for name, call := range calls {
		start := time.Now()
		done := make(chan error, 1)
		go func() { done <- call(context.Background()) }()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("%s succeeded on a stalled store", name)
			}
			t.Logf("%s failed after %v: %v", name, time.Since(start).Round(time.Millisecond), err)
		case <-time.After(30 * time.Second):
			t.Fatalf("%s on a stalled store is still waiting after 30 s", name)
		}
	}

	proxy.Resume()
	f, err := s.Open(t.Context(), "a.png")
	if err != nil {
		t.Fatalf("the store answers again, but: %v", err)
	}
	f.Close()
}
