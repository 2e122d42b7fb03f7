package media_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"

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
