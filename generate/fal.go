package generate

import (
	"bufio"
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

	"github.com/velro-ai/velro/fetch"
)

// FAL defaults and limits.
const (
	falBaseURL       = "https://queue.fal.run"
	falPollInitial   = 250 * time.Millisecond
	falPollMax       = 2 * time.Second
	falTimeout       = 10 * time.Minute
	falRetries       = 3
	falRetryDelay    = 200 * time.Millisecond
	falCancelTimeout = 5 * time.Second
	falMaxJSON       = 16 << 20 // API answers are small; bound them anyway
	falMaxErrorBody  = 4 << 10  // error bodies only feed an excerpt
	falExcerptLen    = 200
	falSniffLen      = 512 // what http.DetectContentType reads
)

// errFALTimeout is the cause of the per-generation deadline, which tells it
// apart from a deadline the caller set.
var errFALTimeout = errors.New("fal: no result in time")

// FALConfig configures the FAL queue API adapter. Zero fields take defaults.
type FALConfig struct {
	Key string
	// BaseURL defaults to "https://queue.fal.run". Its origin is the only
	// one sent the key, and is admitted for fetches like Allow's.
	BaseURL string
	// Allow admits more origins for fetches over http or on private
	// addresses (VELRO_FETCH_ALLOW); see package fetch.
	Allow       []fetch.Origin
	PollInitial time.Duration
	PollMax     time.Duration // status polls back off from PollInitial to PollMax
	Timeout     time.Duration // overall per-generation limit
	MaxDownload int64         // max bytes of each response, outputs included (default 256 MiB)
	Retries     int           // attempts per HTTP call on transient errors
}

// FAL renders generations through FAL's queue API: submit the input, poll
// the request until it completes, fetch the result, stream every output
// into storage. Every request goes through a fetch.Client: URLs in FAL's
// answers are followed only under Velro's outbound-fetch policy.
type FAL struct {
	cfg    FALConfig
	client *fetch.Client
	base   fetch.Origin // the only origin that is sent the key
}

var _ Provider = (*FAL)(nil)

// NewFAL returns a FAL provider, filling in defaults.
func NewFAL(cfg FALConfig) *FAL {
	if cfg.BaseURL == "" {
		cfg.BaseURL = falBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
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
	if cfg.Retries <= 0 {
		cfg.Retries = falRetries
	}
	f := &FAL{cfg: cfg}
	// A bad base URL leaves base empty: nothing is trusted with the key
	// and the submit fails on its own.
	allow := slices.Clone(cfg.Allow)
	if u, err := url.Parse(cfg.BaseURL); err == nil && u.Host != "" {
		f.base = fetch.OriginOf(u)
		allow = append(allow, f.base)
	}
	f.client = fetch.New(fetch.Config{Allow: allow, MaxBytes: cfg.MaxDownload})
	return f
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
func (f *FAL) Generate(ctx context.Context, req Request) error {
	ctx, cancel := context.WithTimeoutCause(ctx, f.cfg.Timeout, errFALTimeout)
	defer cancel()

	q, err := f.start(ctx, req)
	if err != nil {
		return f.stopped(ctx, nil, err)
	}
	if err := f.finish(ctx, q, req.Put); err != nil {
		return f.stopped(ctx, q, err)
	}
	return nil
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
		return Permanent(failed(reasonTimeout, fmt.Errorf("%w: gave up after %s", errFALTimeout, f.cfg.Timeout)))
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
			return nil, Permanent(failed(reasonProvider, fmt.Errorf("fal: saved state: %w", err)))
		}
		return q, nil
	}
	input, err := falInput(ctx, req)
	if err != nil {
		return nil, failed(reasonReference, fmt.Errorf("fal: input: %w", err)) // storage may answer next time
	}
	answer, err := f.call(ctx, "submit", http.MethodPost, f.cfg.BaseURL+"/"+req.ModelID, input)
	if err != nil {
		return nil, err
	}
	// Without usable URLs the request cannot be followed, and submitting
	// again could pay twice: fail instead.
	q, err := falParseQueue(answer)
	if err != nil {
		return nil, Permanent(failed(reasonProvider, fmt.Errorf("fal: submit: %w", err)))
	}
	if req.SaveState != nil {
		if err := req.SaveState(ctx, answer); err != nil {
			// A later attempt will submit again; don't leave this one running.
			f.cancelRemote(ctx, q)
			return nil, fmt.Errorf("fal: save state: %w", err)
		}
	}
	return q, nil
}

// falInput is the model input: the parameters, the prompts, and for
// image-input models the reference image as image_url (FAL's image models
// take one).
func falInput(ctx context.Context, req Request) ([]byte, error) {
	in := make(map[string]any, len(req.Parameters)+3)
	maps.Copy(in, req.Parameters)
	in["prompt"] = req.Prompt
	if req.NegativePrompt != "" {
		in["negative_prompt"] = req.NegativePrompt
	}
	if len(req.References) > 0 {
		u, err := req.References[0].URL(ctx)
		if err != nil {
			return nil, err
		}
		in["image_url"] = u
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

// finish waits for the request, then fetches its result and streams every
// output into put.
func (f *FAL) finish(ctx context.Context, q *falQueue, put func(context.Context, Output) error) error {
	if err := f.wait(ctx, q); err != nil {
		return err
	}
	files, err := f.result(ctx, q)
	if err != nil {
		return err
	}
	for _, file := range files {
		if err := f.download(ctx, file, put); err != nil {
			return err
		}
	}
	return nil
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

// status reads the request's status. A refusal means the request is
// unknown or the key refused: polling won't help (call made it permanent).
func (f *FAL) status(ctx context.Context, q *falQueue) (string, error) {
	answer, err := f.call(ctx, "status", http.MethodGet, q.StatusURL, nil)
	if err != nil {
		return "", err
	}
	var s struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(answer, &s); err != nil {
		return "", failed(reasonProvider, fmt.Errorf("fal: status: %w", err))
	}
	return s.Status, nil
}

// result fetches the finished request. A refusal here is FAL reporting the
// generation failed.
func (f *FAL) result(ctx context.Context, q *falQueue) ([]falFile, error) {
	answer, err := f.call(ctx, "result", http.MethodGet, q.ResponseURL, nil)
	if err != nil {
		return nil, err
	}
	var res struct {
		Images []falFile `json:"images"`
		Image  *falFile  `json:"image"`
		Video  *falFile  `json:"video"`
		Videos []falFile `json:"videos"`
	}
	if err := json.Unmarshal(answer, &res); err != nil {
		return nil, Permanent(failed(reasonProvider, fmt.Errorf("fal: result: %w", err)))
	}
	files := slices.Concat(res.Images, res.Videos, falDeref(res.Image, res.Video))
	files = slices.DeleteFunc(files, func(f falFile) bool { return f.URL == "" })
	switch {
	case len(files) == 0:
		return nil, Permanent(failed(reasonNoOutput, fmt.Errorf("fal: result has no outputs: %s", falExcerpt(answer))))
	case len(files) > MaxOutputs: // fail before downloading any
		return nil, fmt.Errorf("fal: result names %d outputs: %w", len(files), errTooManyOutputs)
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

// download streams one output from its URL into put, never holding it
// whole: only its first bytes, to sniff a type the result left out.
func (f *FAL) download(ctx context.Context, file falFile, put func(context.Context, Output) error) error {
	failure := func(err error) error {
		return failed(reasonFetch, fmt.Errorf("fal: download %s: %w", falExcerpt([]byte(file.URL)), err))
	}
	if err := falCheckURL(file.URL); err != nil {
		return failure(Permanent(err))
	}
	resp, err := f.open(ctx, http.MethodGet, file.URL, nil)
	if err != nil {
		return failure(err)
	}
	defer resp.Body.Close()
	if !falOK(resp.StatusCode) {
		return failure(Permanent(falStatus(resp)))
	}
	body := &falBody{r: resp.Body}
	head := bufio.NewReaderSize(body, falSniffLen)
	contentType := falContentType(file.ContentType, resp.Header, head)
	err = put(ctx, Output{Body: head, ContentType: contentType})
	if body.err != nil { // reading the download failed, not storing it
		return failure(falFetchError(body.err))
	}
	return err
}

// falBody remembers why reading a download failed, which tells a failed
// fetch from a failed store.
type falBody struct {
	r   io.Reader
	err error
}

func (b *falBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

// falContentType prefers what the result declared, then the download's
// header, then sniffing its first bytes. A generic octet-stream says
// nothing, so skip it.
func falContentType(declared string, h http.Header, body *bufio.Reader) string {
	for _, ct := range []string{declared, h.Get("Content-Type")} {
		if mt, _, err := mime.ParseMediaType(ct); err == nil && mt != "application/octet-stream" {
			return mt
		}
	}
	head, _ := body.Peek(falSniffLen) // a read error is remembered by falBody
	return http.DetectContentType(head)
}

// cancelRemote asks FAL to drop the request, best effort. ctx has ended, so
// it runs on a fresh, short one that keeps ctx's values.
func (f *FAL) cancelRemote(ctx context.Context, q *falQueue) {
	if q == nil || q.CancelURL == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), falCancelTimeout)
	defer cancel()
	if resp, err := f.send(ctx, http.MethodPut, q.CancelURL, nil); err == nil {
		resp.Body.Close()
	}
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
