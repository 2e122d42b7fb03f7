// Package mediatest is the conformance suite of velro.MediaStore: every
// store (a directory, S3) must pass it.
package mediatest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// Store opens a store for one test; stores from one Store call may share
// their storage, so each test uses keys of its own.
type Store func(t *testing.T) velro.MediaStore

// Config tunes the suite to a store.
type Config struct {
	// Large is the size of the object that must stream through Put and
	// Open; for S3 it should span several upload parts.
	Large int
}

// Run runs the suite.
func Run(t *testing.T, open Store, cfg Config) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s velro.MediaStore)
	}{
		{"put and read", testPutRead},
		{"seek", testSeek},
		{"ranges", testRanges},
		{"replace", testReplace},
		{"failed replacement keeps the old file", testFailedReplace},
		{"delete prefix", testDeletePrefix},
		{"not found", testNotFound},
		{"invalid keys", testInvalidKeys},
		{"cancelled before", testCancelledBefore},
		{"cancelled while streaming", func(t *testing.T, s velro.MediaStore) { testCancelledWhileStreaming(t, s, cfg.Large) }},
		{"large", func(t *testing.T, s velro.MediaStore) { testLarge(t, s, cfg.Large) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// dir is a fresh key prefix, as Velro builds them.
func dir() string { return "generations/" + uuid.NewString() + "/" }

// content is size reproducible, incompressible bytes.
func content(size int, seed uint64) []byte {
	b := make([]byte, size)
	r := rand.New(rand.NewPCG(seed, seed))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func put(t *testing.T, s velro.MediaStore, key string, data []byte) {
	t.Helper()
	// A plain io.Reader (no Len, no Seek), as a download or upload is.
	if err := s.Put(t.Context(), key, struct{ io.Reader }{bytes.NewReader(data)}, "image/png"); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func open(t *testing.T, s velro.MediaStore, key string) velro.MediaFile {
	t.Helper()
	f, err := s.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func read(t *testing.T, s velro.MediaStore, key string) []byte {
	t.Helper()
	f := open(t, s, key)
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return data
}

func wantNotFound(t *testing.T, s velro.MediaStore, key string) {
	t.Helper()
	f, err := s.Open(t.Context(), key)
	if err == nil {
		f.Close()
	}
	if velro.ErrorCode(err) != velro.ENOTFOUND {
		t.Fatalf("open %s: %v, want not found", key, err)
	}
}

func testPutRead(t *testing.T, s velro.MediaStore) {
	key, data := dir()+"0.png", content(100_000, 1)
	put(t, s, key, data)
	if got := read(t, s, key); !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, want the %d written", len(got), len(data))
	}
	if f := open(t, s, key); f.ModTime().IsZero() {
		t.Fatal("no modification time")
	}
	empty := dir() + "empty.png"
	put(t, s, empty, nil)
	if got := read(t, s, empty); len(got) != 0 {
		t.Fatalf("an empty file reads %d bytes", len(got))
	}
}

func testSeek(t *testing.T, s velro.MediaStore) {
	key, data := dir()+"0.png", content(50_000, 2)
	put(t, s, key, data)
	f := open(t, s, key)
	readAt := func(whence int, offset int64, wantPos int64, n int) {
		t.Helper()
		pos, err := f.Seek(offset, whence)
		if err != nil || pos != wantPos {
			t.Fatalf("seek(%d, %d) = %d, %v; want %d", offset, whence, pos, err, wantPos)
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(f, buf); err != nil || !bytes.Equal(buf, data[pos:pos+int64(n)]) {
			t.Fatalf("%d bytes at %d: %v", n, pos, err)
		}
	}
	if size, err := f.Seek(0, io.SeekEnd); err != nil || size != int64(len(data)) {
		t.Fatalf("size by seek: %d, %v", size, err)
	}
	readAt(io.SeekStart, 40_000, 40_000, 100)
	readAt(io.SeekCurrent, -10_100, 30_000, 10)
	readAt(io.SeekEnd, -5, int64(len(data))-5, 5)
	readAt(io.SeekStart, 0, 0, 1000)
	readAt(io.SeekCurrent, 5000, 6000, 1000)
	if n, err := f.Read(make([]byte, 1)); n == 0 && err == nil {
		t.Fatal("a read after seeking returned nothing and no error")
	}
	if _, err := f.Seek(-1, io.SeekStart); err == nil {
		t.Fatal("seek before the start accepted")
	}
}

// testRanges serves the file as the media endpoint does
// (http.ServeContent) and asks for ranges.
func testRanges(t *testing.T, s velro.MediaStore) {
	key, data := dir()+"0.png", content(70_000, 3)
	put(t, s, key, data)
	serve := func(rangeHeader string) *http.Response {
		f, err := s.Open(t.Context(), key)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		req := httptest.NewRequest("GET", "/media/"+key, nil)
		if rangeHeader != "" {
			req.Header.Set("Range", rangeHeader)
		}
		w := httptest.NewRecorder()
		w.Header().Set("Content-Type", "image/png")
		http.ServeContent(w, req, "", f.ModTime(), f)
		return w.Result()
	}
	body := func(r *http.Response) []byte {
		b, _ := io.ReadAll(r.Body)
		return b
	}

	if r := serve(""); r.StatusCode != 200 || !bytes.Equal(body(r), data) {
		t.Fatalf("whole file: %d", r.StatusCode)
	}
	for header, want := range map[string][]byte{
		"bytes=0-3":         data[:4],
		"bytes=1000-1999":   data[1000:2000],
		"bytes=69990-":      data[69990:],
		"bytes=-25":         data[len(data)-25:],
		"bytes=60000-99999": data[60000:],
	} {
		r := serve(header)
		if got := body(r); r.StatusCode != 206 || !bytes.Equal(got, want) {
			t.Fatalf("%s: %d, %d bytes, want 206 with %d", header, r.StatusCode, len(got), len(want))
		}
	}
	r := serve("bytes=10-19,50000-50009")
	mediaType, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if r.StatusCode != 206 || mediaType != "multipart/byteranges" {
		t.Fatalf("two ranges: %d %s", r.StatusCode, mediaType)
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for _, want := range [][]byte{data[10:20], data[50000:50010]} {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := io.ReadAll(p); !bytes.Equal(got, want) {
			t.Fatalf("part %s: %q", p.Header.Get("Content-Range"), got)
		}
	}
	if r := serve("bytes=70000-"); r.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Fatalf("a range past the end: %d", r.StatusCode)
	}
}

func testReplace(t *testing.T, s velro.MediaStore) {
	key := dir() + "0.png"
	put(t, s, key, content(5000, 4))
	second := content(3000, 5)
	put(t, s, key, second)
	if got := read(t, s, key); !bytes.Equal(got, second) {
		t.Fatalf("after replacing: %d bytes", len(got))
	}
}

// failingReader yields n bytes, then fails: a download cut off midway.
type failingReader struct {
	r   io.Reader
	err error
}

var errCutOff = errors.New("connection reset")

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func testFailedReplace(t *testing.T, s velro.MediaStore) {
	key, old := dir()+"0.png", content(4000, 6)
	put(t, s, key, old)
	err := s.Put(t.Context(), key, &failingReader{bytes.NewReader(content(20_000, 7)), errCutOff}, "image/png")
	if !errors.Is(err, errCutOff) {
		t.Fatalf("put from a failing reader: %v", err)
	}
	if got := read(t, s, key); !bytes.Equal(got, old) {
		t.Fatalf("a failed replacement changed the file (%d bytes)", len(got))
	}
	fresh := dir() + "0.png"
	if err := s.Put(t.Context(), fresh, &failingReader{bytes.NewReader(content(20_000, 8)), errCutOff}, "image/png"); err == nil {
		t.Fatal("put from a failing reader succeeded")
	}
	wantNotFound(t, s, fresh)
}

func testDeletePrefix(t *testing.T, s velro.MediaStore) {
	id := uuid.NewString()
	doomed := []string{"generations/" + id + "/0.png", "generations/" + id + "/1.gif", "generations/" + id + "/sub/2.png"}
	kept := []string{"generations/" + id + "x/0.png", "generations/" + id + ".png", dir() + "0.png"}
	for i, k := range append(append([]string{}, doomed...), kept...) {
		put(t, s, k, content(100, uint64(10+i)))
	}
	if err := s.DeletePrefix(t.Context(), "generations/"+id+"/"); err != nil {
		t.Fatal(err)
	}
	for _, k := range doomed {
		wantNotFound(t, s, k)
	}
	for _, k := range kept {
		read(t, s, k)
	}
	if err := s.DeletePrefix(t.Context(), "generations/"+id+"/"); err != nil {
		t.Fatalf("deleting what is gone: %v", err)
	}
	if err := s.DeletePrefix(t.Context(), kept[2]); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, s, kept[2])
}

func testNotFound(t *testing.T, s velro.MediaStore) {
	wantNotFound(t, s, dir()+"0.png")
	d := dir()
	put(t, s, d+"0.png", []byte("x"))
	wantNotFound(t, s, strings.TrimSuffix(d, "/")) // a directory is no file
}

func testInvalidKeys(t *testing.T, s velro.MediaStore) {
	ctx := t.Context()
	for _, bad := range []string{"", "/etc/passwd", "../escape.png", "generations/../../x", "generations//x.png",
		"Generations/A.png", "a b.png", "a\x00b", "generations/%2e%2e/x"} {
		if err := s.Put(ctx, bad, strings.NewReader("x"), ""); velro.ErrorCode(err) != velro.EBADREQUEST {
			t.Errorf("put %q: %v, want bad request", bad, err)
		}
		if _, err := s.Open(ctx, bad); velro.ErrorCode(err) != velro.EBADREQUEST {
			t.Errorf("open %q: %v, want bad request", bad, err)
		}
		if err := s.DeletePrefix(ctx, bad); velro.ErrorCode(err) != velro.EBADREQUEST {
			t.Errorf("delete prefix %q: %v, want bad request", bad, err)
		}
	}
	if err := s.DeletePrefix(ctx, "/"); velro.ErrorCode(err) != velro.EBADREQUEST {
		t.Errorf("delete prefix \"/\" (everything): %v, want bad request", err)
	}
}

func testCancelledBefore(t *testing.T, s velro.MediaStore) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	key := dir() + "0.png"
	if err := s.Put(ctx, key, bytes.NewReader(content(1000, 20)), "image/png"); !errors.Is(err, context.Canceled) {
		t.Fatalf("put with a cancelled context: %v", err)
	}
	wantNotFound(t, s, key)
}

// endless yields bytes forever and cancels the context once it has given
// cancelAfter of them: the store must stop reading and store nothing.
type endless struct {
	given, cancelAfter int
	cancel             context.CancelFunc
}

func (e *endless) Read(p []byte) (int, error) {
	if e.given >= e.cancelAfter {
		e.cancel()
	}
	e.given += len(p)
	return len(p), nil
}

// testCancelledWhileStreaming cancels halfway through a large object (for
// S3, in the middle of a multipart upload).
func testCancelledWhileStreaming(t *testing.T, s velro.MediaStore, size int) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	key := dir() + "0.mp4"
	src := &endless{cancelAfter: size / 2, cancel: cancel}
	if err := s.Put(ctx, key, src, "video/mp4"); !errors.Is(err, context.Canceled) {
		t.Fatalf("put cancelled midway: %v", err)
	}
	wantNotFound(t, s, key)
}

// testLarge streams an object through Put and Open, comparing digests.
func testLarge(t *testing.T, s velro.MediaStore, size int) {
	key := dir() + "0.mp4"
	src := rand.New(rand.NewPCG(30, 30))
	want := sha256.New()
	r := io.TeeReader(io.LimitReader(readerFunc(func(p []byte) (int, error) {
		for i := range p {
			p[i] = byte(src.Uint32())
		}
		return len(p), nil
	}), int64(size)), want)
	if err := s.Put(t.Context(), key, r, "video/mp4"); err != nil {
		t.Fatal(err)
	}
	got := sha256.New()
	n, err := io.Copy(got, open(t, s, key))
	if err != nil || n != int64(size) || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatalf("read back %d of %d bytes (%v); digests equal: %v", n, size, err, bytes.Equal(got.Sum(nil), want.Sum(nil)))
	}
	f := open(t, s, key)
	if _, err := f.Seek(int64(size)-3, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if tail, err := io.ReadAll(f); err != nil || len(tail) != 3 {
		t.Fatalf("tail: %d bytes, %v", len(tail), err)
	}
	if err := s.DeletePrefix(t.Context(), strings.TrimSuffix(key, "0.mp4")); err != nil {
		t.Fatal(err)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
