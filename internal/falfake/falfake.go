// Package falfake is an in-process stand-in for FAL's queue API, for tests.
//
// A [Server] answers the submit, status, result and cancel endpoints the
// way FAL does, and serves the generated file itself (or from a second
// origin, see [Config.CDN]). Point an adapter at it by setting its base
// URL (FAL_BASE_URL) to [Server.URL]. The zero [Config] completes an image
// generation on the first status poll.
//
// Its status, result and cancel URLs live under /queue/requests/{id}, away
// from the submit path, so a client that builds URLs itself instead of
// following the ones the submit response returns gets 404s.
//
// Every request is recorded (see [Server.Calls]); a Server is safe for use
// by any number of goroutines and real HTTP clients at once.
package falfake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Config shapes how the stand-in behaves. The zero value gives a quick
// successful image generation: the first status poll says COMPLETED and
// the result is one 2×2 PNG served by the API server itself.
type Config struct {
	// Media is what the model makes: "image" (the default when empty)
	// gives a 2×2 PNG under "images", "video" a tiny MP4 under "video".
	Media string
	// QueuedPolls is how many status polls answer IN_QUEUE (with a
	// falling queue_position) before any answer IN_PROGRESS.
	QueuedPolls int
	// ProgressPolls is how many status polls, after the queued ones,
	// answer IN_PROGRESS before one answers COMPLETED.
	ProgressPolls int
	// Hang keeps every request IN_PROGRESS for ever (after QueuedPolls),
	// for timeout and cancel tests.
	Hang bool
	// ResultStatus, when neither 0 nor 200, is the status the result
	// endpoint answers with (body detail "model exploded") once the
	// request has completed, turning the generation into a failure.
	ResultStatus int
	// SubmitFailures is how many submits are refused before one
	// succeeds; each refusal has status SubmitStatus and detail
	// "submit refused".
	SubmitFailures int
	// SubmitStatus is the status of refused submits (default 503).
	SubmitStatus int
	// NoJSONType leaves content_type out of the result JSON's file
	// object, so a client has to use the header or sniff.
	NoJSONType bool
	// HeaderType is the Content-Type header on the file download: ""
	// the true type, "-" none at all (net/http sniffing suppressed), and
	// anything else sent as is.
	HeaderType string
	// CDN serves the file from a second server (another origin, see
	// [Server.CDNURL]) instead of the API server, to check that the API
	// key does not leak to it.
	CDN bool
	// CDNRedirect (with CDN) names the file by a URL on the API server
	// that redirects to the CDN: the same host on another port, where Go's
	// client would forward the key.
	CDNRedirect bool
	// Outputs is how many files the result names; 0: as many as the
	// input's num_images asks of an image model, else 1.
	Outputs int
	// FileSize, when positive, makes the file that many bytes of a
	// repeating pattern, streamed with its length (the content type stays
	// the media's): for memory and size-limit tests.
	FileSize int64
	// OutputURL, when set, is what the result names instead of the
	// stand-in's file: a URL, or a path on the API server such as
	// Redirect's.
	OutputURL string
}

// Redirect is a path on the API server that redirects to target, for
// [Config.OutputURL].
func Redirect(target string) string { return "/redirect?to=" + url.QueryEscape(target) }

// Call is one request the stand-in saw.
type Call struct {
	// Server is which server got it: "api" or "cdn".
	Server string
	// Method is the HTTP method, e.g. "POST".
	Method string
	// Path is the URL path, e.g. "/queue/requests/req-1/status".
	Path string
	// Auth is the Authorization header ("" when absent).
	Auth string
	// Body is the request body as read.
	Body []byte
}

// Server is an httptest stand-in for FAL's queue API. Create one with
// [New]; it is closed when the test ends.
//
// Request ids are "req-N", N counting every submit, failed ones included,
// so with no SubmitFailures the first request is "req-1". Endpoints:
//
//	POST /{model...}                   submit
//	GET  /queue/requests/{id}/status   status poll
//	GET  /queue/requests/{id}          result (400 until a poll said COMPLETED)
//	PUT  /queue/requests/{id}/cancel   cancel (always 202)
//	GET  /files/{name}                 the generated file
//	GET  /redirect?to={url}            302 to url
type Server struct {
	cfg      Config
	api, cdn *httptest.Server
	file     []byte
	fileType string
	// polled receives (without blocking) on every status poll.
	polled chan struct{}

	mu      sync.Mutex
	calls   []Call
	submits int
	polls   map[string]int // by request id
	outputs map[string]int // by request id
	queued  []byte         // the last successful submit response
	images  [][]byte       // what image_url inputs named, in submit order
}

// New starts a stand-in shaped by cfg and arranges for it to be closed
// when t ends.
func New(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.Media == "" {
		cfg.Media = "image"
	}
	f := &Server{cfg: cfg, polled: make(chan struct{}, 1), polls: map[string]int{}, outputs: map[string]int{}}
	if cfg.Media == "video" {
		f.file, f.fileType = testMP4(), "video/mp4"
	} else {
		f.file, f.fileType = testPNG(t), "image/png"
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /{model...}", f.submit)
	mux.HandleFunc("GET /queue/requests/{id}/status", f.status)
	mux.HandleFunc("GET /queue/requests/{id}", f.result)
	mux.HandleFunc("PUT /queue/requests/{id}/cancel", f.cancel)
	mux.HandleFunc("GET /files/{name}", f.serveFile)
	mux.HandleFunc("GET /redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})
	// Both servers are fully set up before either starts serving, so the
	// handlers may read f.api and f.cdn without the lock.
	f.api = httptest.NewUnstartedServer(f.record("api", mux))
	if cfg.CDN {
		f.cdn = httptest.NewUnstartedServer(f.record("cdn", http.HandlerFunc(f.serveFile)))
		f.cdn.Start()
		t.Cleanup(f.cdn.Close)
	}
	f.api.Start()
	t.Cleanup(f.api.Close)
	return f
}

// URL is the API server's base URL, with no trailing slash: what FAL's
// base URL (FAL_BASE_URL) should be set to.
func (f *Server) URL() string { return f.api.URL }

// CDNURL is the CDN server's base URL (with [Config.CDN]), "" without.
func (f *Server) CDNURL() string {
	if f.cdn == nil {
		return ""
	}
	return f.cdn.URL
}

// File is the content of the file every completed request yields (the
// small one: not with [Config.FileSize]).
func (f *Server) File() []byte { return bytes.Clone(f.file) }

// Polled receives, without the stand-in ever blocking on it, after status
// polls: at least once after any number of polls since the last receive.
// Use it to act once a client is waiting on a request.
func (f *Server) Polled() <-chan struct{} { return f.polled }

// Calls returns the requests seen so far, to either server, whose method
// is method ("" matches any) and whose path starts with prefix.
func (f *Server) Calls(method, prefix string) []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Call
	for _, c := range f.calls {
		if (method == "" || c.Method == method) && strings.HasPrefix(c.Path, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// Images returns the images the submits' image_url inputs named (data:
// URIs decoded, URLs fetched), in submit order.
func (f *Server) Images() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.images)
}

// readImageURL reads what an image_url names: a data: URI, or a URL.
func readImageURL(u string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(u, "data:"); ok {
		_, data, ok := strings.Cut(rest, ";base64,")
		if !ok {
			return nil, fmt.Errorf("not a base64 data URI")
		}
		return base64.StdEncoding.DecodeString(data)
	}
	resp, err := http.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	return io.ReadAll(resp.Body)
}

// Submits is how many submits the stand-in has answered, refused ones
// included.
func (f *Server) Submits() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.submits
}

// Cancels returns the cancel calls seen so far, for any request.
func (f *Server) Cancels() []Call {
	return f.Calls(http.MethodPut, "/queue/requests/")
}

// Queued is the body of the last successful submit response (the queue
// entry a client saves to resume), or nil before any.
func (f *Server) Queued() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return bytes.Clone(f.queued)
}

func (f *Server) record(server string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body bytes.Buffer
		_, _ = body.ReadFrom(r.Body)
		r.Body.Close()
		f.mu.Lock()
		f.calls = append(f.calls, Call{server, r.Method, r.URL.Path, r.Header.Get("Authorization"), body.Bytes()})
		f.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body.Bytes()))
		next.ServeHTTP(w, r)
	})
}

func (f *Server) submit(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.submits++
	if f.submits <= f.cfg.SubmitFailures {
		status := f.cfg.SubmitStatus
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		writeJSON(w, status, map[string]any{"detail": "submit refused"})
		return
	}
	var input struct {
		NumImages *int   `json:"num_images"`
		ImageURL  string `json:"image_url"`
	}
	if err := json.NewDecoder(r.Body).Decode(&input); err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": "input is not JSON"})
		return
	}
	if input.ImageURL != "" {
		// Like FAL, read the image now: an image_url it cannot read fails
		// the submit.
		img, err := readImageURL(input.ImageURL)
		if err != nil {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": "cannot read image_url: " + err.Error()})
			return
		}
		f.images = append(f.images, img)
	}
	id := fmt.Sprintf("req-%d", f.submits)
	base := f.api.URL + "/queue/requests/" + id
	f.polls[id] = 0
	f.outputs[id] = f.cfg.Outputs
	if f.cfg.Outputs == 0 {
		f.outputs[id] = 1
		if input.NumImages != nil && f.cfg.Media == "image" {
			f.outputs[id] = *input.NumImages
		}
	}
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
func (f *Server) completedAfter() int {
	if f.cfg.Hang {
		return -1
	}
	return f.cfg.QueuedPolls + f.cfg.ProgressPolls
}

func (f *Server) status(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case f.polled <- struct{}{}:
	default:
	}
	id := r.PathValue("id")
	n, ok := f.polls[id]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "no such request"})
		return
	}
	f.polls[id] = n + 1
	switch {
	case n < f.cfg.QueuedPolls:
		writeJSON(w, http.StatusAccepted, map[string]any{"status": "IN_QUEUE", "queue_position": f.cfg.QueuedPolls - n - 1})
	case f.completedAfter() < 0 || n < f.completedAfter():
		writeJSON(w, http.StatusAccepted, map[string]any{"status": "IN_PROGRESS"})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"status": "COMPLETED"})
	}
}

func (f *Server) result(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.polls[r.PathValue("id")]
	switch {
	case !ok:
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "no such request"})
		return
	case f.completedAfter() < 0 || n <= f.completedAfter():
		// Like FAL: no result before a poll has said COMPLETED.
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "Request is still in progress"})
		return
	case f.cfg.ResultStatus != 0 && f.cfg.ResultStatus != http.StatusOK:
		writeJSON(w, f.cfg.ResultStatus, map[string]any{"detail": "model exploded"})
		return
	}
	writeJSON(w, http.StatusOK, f.resultBody(f.outputs[r.PathValue("id")]))
}

func (f *Server) resultBody(outputs int) map[string]any {
	files := make([]any, outputs)
	for i := range files {
		file := map[string]any{"url": f.outputURL(i)}
		if !f.cfg.NoJSONType {
			file["content_type"] = f.fileType
		}
		if f.cfg.Media == "image" {
			file["width"], file["height"] = 2, 2
		}
		files[i] = file
	}
	switch {
	case f.cfg.Media == "image":
		return map[string]any{"images": files, "seed": 42}
	case len(files) == 1:
		return map[string]any{"video": files[0]}
	}
	return map[string]any{"videos": files}
}

// outputURL is where the result says output i is.
func (f *Server) outputURL(i int) string {
	switch {
	case strings.HasPrefix(f.cfg.OutputURL, "/"):
		return f.api.URL + f.cfg.OutputURL
	case f.cfg.OutputURL != "":
		return f.cfg.OutputURL
	}
	origin := f.api.URL
	if f.cdn != nil {
		origin = f.cdn.URL
	}
	u := fmt.Sprintf("%s/files/out.%s?n=%d", origin, strings.TrimPrefix(f.fileType, f.cfg.Media+"/"), i)
	if f.cdn != nil && f.cfg.CDNRedirect {
		return f.api.URL + Redirect(u)
	}
	return u
}

func (f *Server) cancel(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusAccepted, map[string]any{"status": "CANCELLATION_REQUESTED"})
}

// serveFile reads only what New set, so it needs no lock.
func (f *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	switch f.cfg.HeaderType {
	case "":
		w.Header().Set("Content-Type", f.fileType)
	case "-":
		w.Header()["Content-Type"] = nil // stop net/http sniffing for us
	default:
		w.Header().Set("Content-Type", f.cfg.HeaderType)
	}
	if f.cfg.FileSize > 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(f.cfg.FileSize, 10))
		_, _ = io.CopyN(w, pattern{}, f.cfg.FileSize)
		return
	}
	_, _ = w.Write(f.file)
}

// pattern is an endless stream of repeating bytes that holds no memory.
type pattern struct{}

func (pattern) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i)
	}
	return len(p), nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func testPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testMP4 is just an ftyp box: enough for content sniffing to say mp4.
func testMP4() []byte {
	return []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
}
