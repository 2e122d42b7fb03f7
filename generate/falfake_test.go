package generate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// falFakeConfig shapes how the stand-in FAL queue behaves.
type falFakeConfig struct {
	Media          string // "image" (default) or "video"
	QueuedPolls    int    // IN_QUEUE answers before IN_PROGRESS
	ProgressPolls  int    // IN_PROGRESS answers before COMPLETED
	Hang           bool   // never leave IN_PROGRESS
	ResultStatus   int    // result endpoint status, when not 200
	SubmitFailures int    // failed submits before one succeeds
	SubmitStatus   int    // status of those failures (default 503)
	NoJSONType     bool   // result JSON carries no content_type
	HeaderType     string // files' Content-Type header: "" the true one, "-" none
	CDN            bool   // serve files from a second server (another origin)
}

// falCall is one request the stand-in saw.
type falCall struct {
	Server string // "api" or "cdn"
	Method string
	Path   string
	Auth   string
	Body   []byte
}

// falFake is an httptest stand-in for FAL's queue API. Its status, result
// and cancel URLs live under /queue/requests/{id}, away from the submit
// path, so an adapter that builds URLs itself instead of following the
// returned ones gets 404s.
type falFake struct {
	cfg      falFakeConfig
	api, cdn *httptest.Server
	file     []byte
	fileType string
	// polled receives (without blocking) on every status poll.
	polled chan struct{}

	mu      sync.Mutex
	calls   []falCall
	submits int
	polls   map[string]int // by request id
	queued  []byte         // the last successful submit response
}

func newFalFake(t *testing.T, cfg falFakeConfig) *falFake {
	t.Helper()
	if cfg.Media == "" {
		cfg.Media = "image"
	}
	f := &falFake{cfg: cfg, polled: make(chan struct{}, 1), polls: map[string]int{}}
	if cfg.Media == "video" {
		f.file, f.fileType = falTestMP4(), "video/mp4"
	} else {
		f.file, f.fileType = falTestPNG(t), "image/png"
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /{model...}", f.submit)
	mux.HandleFunc("GET /queue/requests/{id}/status", f.status)
	mux.HandleFunc("GET /queue/requests/{id}", f.result)
	mux.HandleFunc("PUT /queue/requests/{id}/cancel", f.cancel)
	mux.HandleFunc("GET /files/{name}", f.serveFile)
	f.api = httptest.NewServer(f.record("api", mux))
	t.Cleanup(f.api.Close)
	if cfg.CDN {
		f.cdn = httptest.NewServer(f.record("cdn", http.HandlerFunc(f.serveFile)))
		t.Cleanup(f.cdn.Close)
	}
	return f
}

func (f *falFake) record(server string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body bytes.Buffer
		_, _ = body.ReadFrom(r.Body)
		r.Body.Close()
		f.mu.Lock()
		f.calls = append(f.calls, falCall{server, r.Method, r.URL.Path, r.Header.Get("Authorization"), body.Bytes()})
		f.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body.Bytes()))
		next.ServeHTTP(w, r)
	})
}

func (f *falFake) submit(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.submits++
	if f.submits <= f.cfg.SubmitFailures {
		status := f.cfg.SubmitStatus
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		falWriteJSON(w, status, map[string]any{"detail": "submit refused"})
		return
	}
	id := fmt.Sprintf("req-%d", f.submits)
	base := f.api.URL + "/queue/requests/" + id
	f.polls[id] = 0
	f.queued, _ = json.Marshal(map[string]string{
		"request_id":   id,
		"status_url":   base + "/status",
		"response_url": base,
		"cancel_url":   base + "/cancel",
	})
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(f.queued)
}

// completedAfter is how many polls a request takes to complete, -1 never.
func (f *falFake) completedAfter() int {
	if f.cfg.Hang {
		return -1
	}
	return f.cfg.QueuedPolls + f.cfg.ProgressPolls
}

func (f *falFake) status(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case f.polled <- struct{}{}:
	default:
	}
	id := r.PathValue("id")
	n, ok := f.polls[id]
	if !ok {
		falWriteJSON(w, http.StatusNotFound, map[string]any{"detail": "no such request"})
		return
	}
	f.polls[id] = n + 1
	switch {
	case n < f.cfg.QueuedPolls:
		falWriteJSON(w, http.StatusAccepted, map[string]any{"status": "IN_QUEUE", "queue_position": f.cfg.QueuedPolls - n - 1})
	case f.completedAfter() < 0 || n < f.completedAfter():
		falWriteJSON(w, http.StatusAccepted, map[string]any{"status": "IN_PROGRESS"})
	default:
		falWriteJSON(w, http.StatusOK, map[string]any{"status": "COMPLETED"})
	}
}

func (f *falFake) result(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.polls[r.PathValue("id")]
	switch {
	case !ok:
		falWriteJSON(w, http.StatusNotFound, map[string]any{"detail": "no such request"})
		return
	case f.completedAfter() < 0 || n <= f.completedAfter():
		// Like FAL: no result before a poll has said COMPLETED.
		falWriteJSON(w, http.StatusBadRequest, map[string]any{"detail": "Request is still in progress"})
		return
	case f.cfg.ResultStatus != 0 && f.cfg.ResultStatus != http.StatusOK:
		falWriteJSON(w, f.cfg.ResultStatus, map[string]any{"detail": "model exploded"})
		return
	}
	falWriteJSON(w, http.StatusOK, f.resultBody())
}

func (f *falFake) resultBody() map[string]any {
	origin := f.api.URL
	if f.cdn != nil {
		origin = f.cdn.URL
	}
	file := map[string]any{"url": origin + "/files/out." + strings.TrimPrefix(f.fileType, f.cfg.Media+"/")}
	if !f.cfg.NoJSONType {
		file["content_type"] = f.fileType
	}
	if f.cfg.Media == "video" {
		return map[string]any{"video": file}
	}
	file["width"], file["height"] = 2, 2
	return map[string]any{"images": []any{file}, "seed": 42}
}

func (f *falFake) cancel(w http.ResponseWriter, r *http.Request) {
	falWriteJSON(w, http.StatusAccepted, map[string]any{"status": "CANCELLATION_REQUESTED"})
}

func (f *falFake) serveFile(w http.ResponseWriter, r *http.Request) {
	switch f.cfg.HeaderType {
	case "":
		w.Header().Set("Content-Type", f.fileType)
	case "-":
		w.Header()["Content-Type"] = nil // stop net/http sniffing for us
	default:
		w.Header().Set("Content-Type", f.cfg.HeaderType)
	}
	_, _ = w.Write(f.file)
}

// Calls returns the requests seen so far that match method and path prefix
// ("" matches any).
func (f *falFake) Calls(method, prefix string) []falCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []falCall
	for _, c := range f.calls {
		if (method == "" || c.Method == method) && strings.HasPrefix(c.Path, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// Queued is the last successful submit response.
func (f *falFake) Queued() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queued
}

func falWriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func falTestPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// falTestMP4 is just an ftyp box: enough for content sniffing to say mp4.
func falTestMP4() []byte {
	return []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
}
