package generate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// FAL defaults and limits.
const (
	falBaseURL       = "https://queue.fal.run"
	falPollInitial   = 250 * time.Millisecond
	falPollMax       = 2 * time.Second
	falTimeout       = 10 * time.Minute
	falMaxDownload   = 256 << 20
	falRetries       = 3
	falRetryDelay    = 200 * time.Millisecond
	falCancelTimeout = 5 * time.Second
	falMaxJSON       = 16 << 20 // API answers are small; bound them anyway
	falMaxErrorBody  = 4 << 10  // error bodies only feed an excerpt
	falExcerptLen    = 200
)

// errFALTimeout is the cause of the per-generation deadline, which tells it
// apart from a deadline the caller set.
var errFALTimeout = errors.New("fal: no result in time")

// FALConfig configures the FAL queue API adapter. Zero fields take defaults.
type FALConfig struct {
	Key         string
	BaseURL     string       // default "https://queue.fal.run"
	Client      *http.Client // default: a client with sane timeouts
	PollInitial time.Duration
	PollMax     time.Duration // status polls back off from PollInitial to PollMax
	Timeout     time.Duration // overall per-generation limit
	MaxDownload int64         // max bytes per output
	Retries     int           // attempts per HTTP call on transient errors
}

// FAL renders generations through FAL's queue API: submit the input, poll
// the request until it completes, fetch the result, download every output.
type FAL struct {
	cfg  FALConfig
	base *url.URL // the only origin that is sent the key
}

var _ Provider = (*FAL)(nil)

// NewFAL returns a FAL provider, filling in defaults.
func NewFAL(cfg FALConfig) *FAL {
	if cfg.BaseURL == "" {
		cfg.BaseURL = falBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Client == nil {
		cfg.Client = falDefaultClient()
	}
	if cfg.PollInitial <= 0 {
		cfg.PollInitial = falPollInitial
	}
	if cfg.PollMax <= 0 {
		cfg.PollMax = falPollMax
	}
	cfg.PollMax = max(cfg.PollMax, cfg.PollInitial)
	if cfg.Timeout <= 0 {
		cfg.Timeout = falTimeout
	}
	if cfg.MaxDownload <= 0 {
		cfg.MaxDownload = falMaxDownload
	}
	if cfg.Retries <= 0 {
		cfg.Retries = falRetries
	}
	// A bad base URL leaves base nil: nothing is trusted with the key and
	// the submit fails on its own.
	base, _ := url.Parse(cfg.BaseURL)
	return &FAL{cfg: cfg, base: base}
}

// falDefaultClient bounds each exchange; the generation timeout bounds the
// whole. The per-request limit leaves room for downloading a large video.
func falDefaultClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = 30 * time.Second
	return &http.Client{Transport: t, Timeout: 5 * time.Minute}
}

// falQueue is FAL's answer to a submit. Its JSON is the state saved for
// later attempts, which resume the request instead of paying for another.
type falQueue struct {
	RequestID   string `json:"request_id"`
	StatusURL   string `json:"status_url"`
	ResponseURL string `json:"response_url"`
	CancelURL   string `json:"cancel_url"`
}

// falFile is one output named in a result.
type falFile struct {
	URL         string `json:"url"`
	ContentType string `json:"content_type"`
}

// Generate implements Provider.
func (f *FAL) Generate(ctx context.Context, req Request) ([]Output, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, f.cfg.Timeout, errFALTimeout)
	defer cancel()

	q, err := f.start(ctx, req)
	if err != nil {
		return nil, f.stopped(ctx, nil, err)
	}
	outs, err := f.finish(ctx, q)
	if err != nil {
		return nil, f.stopped(ctx, q, err)
	}
	return outs, nil
}

// stopped turns err into what Generate returns. When ctx ended, why it
// ended decides: a user cancel or our timeout also cancels the request at
// FAL, and a timeout is a failure (a provider that hangs will not recover).
// Anything else (say, shutdown) stays transient so a later attempt resumes.
func (f *FAL) stopped(ctx context.Context, q *falQueue, err error) error {
	if ctx.Err() == nil {
		return err
	}
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, ErrCancelled):
		f.cancelRemote(ctx, q)
		return fmt.Errorf("fal: %w", cause)
	case errors.Is(cause, errFALTimeout):
		f.cancelRemote(ctx, q)
		return Permanent(fmt.Errorf("%w: gave up after %s", errFALTimeout, f.cfg.Timeout))
	case cause != ctx.Err():
		return fmt.Errorf("fal: %w: %w", ctx.Err(), cause)
	}
	return fmt.Errorf("fal: %w", ctx.Err())
}

// start resumes the request an earlier attempt submitted, or submits one
// and saves it before anything else can go wrong.
func (f *FAL) start(ctx context.Context, req Request) (*falQueue, error) {
	if len(req.State) > 0 {
		q, err := falParseQueue(req.State)
		if err != nil {
			return nil, Permanent(fmt.Errorf("fal: saved state: %w", err))
		}
		return q, nil
	}
	input, err := falInput(req)
	if err != nil {
		return nil, Permanent(fmt.Errorf("fal: input: %w", err))
	}
	r, err := f.call(ctx, http.MethodPost, f.cfg.BaseURL+"/"+req.ModelID, input, falMaxJSON)
	if err != nil {
		return nil, fmt.Errorf("fal: submit: %w", err)
	}
	if !r.ok() {
		return nil, Permanent(fmt.Errorf("fal: submit: %w", r.err()))
	}
	// Without usable URLs the request cannot be followed, and submitting
	// again could pay twice: fail instead.
	q, err := falParseQueue(r.body)
	if err != nil {
		return nil, Permanent(fmt.Errorf("fal: submit: %w", err))
	}
	if req.SaveState != nil {
		if err := req.SaveState(ctx, r.body); err != nil {
			// A later attempt will submit again; don't leave this one running.
			f.cancelRemote(ctx, q)
			return nil, fmt.Errorf("fal: save state: %w", err)
		}
	}
	return q, nil
}

// falInput is the model input: the parameters plus the prompts.
func falInput(req Request) ([]byte, error) {
	in := make(map[string]any, len(req.Parameters)+2)
	maps.Copy(in, req.Parameters)
	in["prompt"] = req.Prompt
	if req.NegativePrompt != "" {
		in["negative_prompt"] = req.NegativePrompt
	}
	return json.Marshal(in)
}

func falParseQueue(data []byte) (*falQueue, error) {
	var q falQueue
	if err := json.Unmarshal(data, &q); err != nil {
		return nil, err
	}
	for _, u := range []string{q.StatusURL, q.ResponseURL} {
		if err := falCheckURL(u); err != nil {
			return nil, err
		}
	}
	return &q, nil
}

// finish waits for the request, then fetches and downloads its outputs.
func (f *FAL) finish(ctx context.Context, q *falQueue) ([]Output, error) {
	if err := f.wait(ctx, q); err != nil {
		return nil, err
	}
	files, err := f.result(ctx, q)
	if err != nil {
		return nil, err
	}
	outs := make([]Output, 0, len(files))
	for _, file := range files {
		out, err := f.download(ctx, file)
		if err != nil {
			return nil, err
		}
		outs = append(outs, out)
	}
	return outs, nil
}

// wait polls the status until COMPLETED. Every other status, including
// ones FAL may add, means keep waiting: the timeout bounds it.
func (f *FAL) wait(ctx context.Context, q *falQueue) error {
	delay := f.cfg.PollInitial
	for {
		status, err := f.status(ctx, q)
		if err != nil || status == "COMPLETED" {
			return err
		}
		if err := falSleep(ctx, delay); err != nil {
			return err
		}
		delay = min(delay*2, f.cfg.PollMax)
	}
}

func (f *FAL) status(ctx context.Context, q *falQueue) (string, error) {
	r, err := f.call(ctx, http.MethodGet, q.StatusURL, nil, falMaxJSON)
	if err != nil {
		return "", fmt.Errorf("fal: status: %w", err)
	}
	if !r.ok() {
		// The request is unknown or the key refused: polling won't help.
		return "", Permanent(fmt.Errorf("fal: status: %w", r.err()))
	}
	var s struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(r.body, &s); err != nil {
		return "", fmt.Errorf("fal: status: %w", err)
	}
	return s.Status, nil
}

// result fetches the finished request. A 4xx here is FAL reporting the
// generation failed; call has already retried 5xx and 429.
func (f *FAL) result(ctx context.Context, q *falQueue) ([]falFile, error) {
	r, err := f.call(ctx, http.MethodGet, q.ResponseURL, nil, falMaxJSON)
	if err != nil {
		return nil, fmt.Errorf("fal: result: %w", err)
	}
	if !r.ok() {
		return nil, Permanent(fmt.Errorf("fal: result: %w", r.err()))
	}
	var res struct {
		Images []falFile `json:"images"`
		Image  *falFile  `json:"image"`
		Video  *falFile  `json:"video"`
		Videos []falFile `json:"videos"`
	}
	if err := json.Unmarshal(r.body, &res); err != nil {
		return nil, Permanent(fmt.Errorf("fal: result: %w", err))
	}
	files := slices.Concat(res.Images, res.Videos, falDeref(res.Image, res.Video))
	files = slices.DeleteFunc(files, func(f falFile) bool { return f.URL == "" })
	if len(files) == 0 {
		return nil, Permanent(fmt.Errorf("fal: result has no outputs: %s", falExcerpt(r.body)))
	}
	return files, nil
}

func falDeref(files ...*falFile) []falFile {
	var out []falFile
	for _, f := range files {
		if f != nil {
			out = append(out, *f)
		}
	}
	return out
}

func (f *FAL) download(ctx context.Context, file falFile) (Output, error) {
	if err := falCheckURL(file.URL); err != nil {
		return Output{}, Permanent(fmt.Errorf("fal: output: %w", err))
	}
	r, err := f.call(ctx, http.MethodGet, file.URL, nil, f.cfg.MaxDownload)
	if err != nil {
		return Output{}, fmt.Errorf("fal: download: %w", err)
	}
	if !r.ok() {
		return Output{}, Permanent(fmt.Errorf("fal: download: %w", r.err()))
	}
	return Output{Data: r.body, ContentType: falContentType(file.ContentType, r.header, r.body)}, nil
}

// falContentType prefers what the result declared, then the download's
// header, then sniffing. A generic octet-stream says nothing, so skip it.
func falContentType(declared string, h http.Header, data []byte) string {
	for _, ct := range []string{declared, h.Get("Content-Type")} {
		if mt, _, err := mime.ParseMediaType(ct); err == nil && mt != "application/octet-stream" {
			return mt
		}
	}
	return http.DetectContentType(data)
}

// cancelRemote asks FAL to drop the request, best effort. ctx has ended, so
// it runs on a fresh, short one that keeps ctx's values.
func (f *FAL) cancelRemote(ctx context.Context, q *falQueue) {
	if q == nil || q.CancelURL == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), falCancelTimeout)
	defer cancel()
	_, _ = f.do(ctx, http.MethodPut, q.CancelURL, nil, falMaxJSON)
}

// falResponse is a completed HTTP exchange.
type falResponse struct {
	status int
	header http.Header
	body   []byte
}

func (r *falResponse) ok() bool { return r.status >= 200 && r.status < 300 }

func (r *falResponse) err() error {
	return fmt.Errorf("status %d: %s", r.status, falExcerpt(r.body))
}

func falRetryable(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// call does one HTTP exchange, retrying network errors, 429 and 5xx with a
// short backoff. What it returns is never worth retrying here: a response
// for the caller to judge, or an error once attempts run out.
func (f *FAL) call(ctx context.Context, method, target string, body []byte, limit int64) (*falResponse, error) {
	delay := falRetryDelay
	for attempt := 1; ; attempt++ {
		r, err := f.do(ctx, method, target, body, limit)
		if err == nil && !falRetryable(r.status) {
			return r, nil
		}
		if err == nil {
			err = r.err()
		}
		if IsPermanent(err) || ctx.Err() != nil || attempt >= f.cfg.Retries {
			return nil, err
		}
		if err := falSleep(ctx, delay); err != nil {
			return nil, err
		}
		delay *= 2
	}
}

// do sends one request and reads the body, at most limit bytes of it.
func (f *FAL) do(ctx context.Context, method, target string, body []byte, limit int64) (*falResponse, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, Permanent(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if f.trusted(req.URL) {
		req.Header.Set("Authorization", "Key "+f.cfg.Key)
	}
	resp, err := f.cfg.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()

	r := &falResponse{status: resp.StatusCode, header: resp.Header}
	if !r.ok() {
		r.body, err = io.ReadAll(io.LimitReader(resp.Body, falMaxErrorBody))
		return r, err
	}
	if resp.ContentLength > limit {
		return nil, Permanent(fmt.Errorf("%s: %d bytes, over the %d byte limit", falExcerpt([]byte(target)), resp.ContentLength, limit))
	}
	if r.body, err = io.ReadAll(io.LimitReader(resp.Body, limit+1)); err != nil {
		return nil, err
	}
	if int64(len(r.body)) > limit {
		return nil, Permanent(fmt.Errorf("%s: over the %d byte limit", falExcerpt([]byte(target)), limit))
	}
	return r, nil
}

// trusted reports whether u is on FAL's queue origin, the only place the
// key may go: outputs are served from elsewhere and need none.
func (f *FAL) trusted(u *url.URL) bool {
	return f.base != nil && u.Scheme == f.base.Scheme && strings.EqualFold(u.Host, f.base.Host)
}

func falCheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("not an http(s) URL: %q", falExcerpt([]byte(raw)))
	}
	return nil
}

// falExcerpt is a short one-line view of a body for error messages.
func falExcerpt(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > falExcerptLen {
		s = strings.ToValidUTF8(s[:falExcerptLen], "") + "…"
	}
	return s
}

func falSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
