package generate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/velro-ai/velro/fetch"
	"github.com/velro-ai/velro/internal/falfake"
)

const falTestModel = "fal-ai/flux-pro/v1.1-ultra"

// newTestFAL points an adapter at the stand-in with fast polling, its CDN
// (if any) admitted like the stand-in itself.
func newTestFAL(t *testing.T, fake *falfake.Server, timeout time.Duration) *FAL {
	cfg := FALConfig{
		Key:         "test-key",
		BaseURL:     fake.URL(),
		PollInitial: 2 * time.Millisecond,
		PollMax:     8 * time.Millisecond,
		Timeout:     timeout,
	}
	if cdn := fake.CDNURL(); cdn != "" {
		origin, err := fetch.ParseOrigin(cdn)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Allow = []fetch.Origin{origin}
	}
	return NewFAL(cfg)
}

// falSaved records what SaveState and Put were given.
type falSaved struct {
	mu      sync.Mutex
	states  []json.RawMessage
	outputs []falStored
}

// falStored is an output as Put read it (the stand-in's files are small).
type falStored struct {
	data        []byte
	contentType string
}

func (s *falSaved) save(_ context.Context, state json.RawMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.states = append(s.states, bytes.Clone(state))
	return nil
}

func (s *falSaved) put(_ context.Context, out Output) error {
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outputs = append(s.outputs, falStored{data, out.ContentType})
	return nil
}

func (s *falSaved) all() []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.states
}

func (s *falSaved) stored() []falStored {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.outputs
}

func falTestRequest(saved *falSaved) Request {
	return Request{
		GenerationID:   uuid.New(),
		ModelID:        falTestModel,
		MediaType:      "image",
		Prompt:         "a red fox in the snow",
		NegativePrompt: "blurry",
		Parameters:     map[string]any{"aspect_ratio": "16:9", "num_images": 1},
		SaveState:      saved.save,
		Put:            saved.put,
	}
}

func sameJSON(t *testing.T, got, want []byte) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("bad JSON %s: %v", got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("bad JSON %s: %v", want, err)
	}
	return reflect.DeepEqual(g, w)
}

func TestFALSuccess(t *testing.T) {
	fake := falfake.New(t, falfake.Config{ProgressPolls: 1})
	saved := &falSaved{}
	if err := newTestFAL(t, fake, 5*time.Second).Generate(t.Context(), falTestRequest(saved)); err != nil {
		t.Fatal(err)
	}

	if outs := saved.stored(); len(outs) != 1 || !bytes.Equal(outs[0].data, fake.File()) || outs[0].contentType != "image/png" {
		t.Fatalf("outputs = %+v, want the stand-in's PNG", outs)
	}
	submits := fake.Calls(http.MethodPost, "")
	if len(submits) != 1 {
		t.Fatalf("%d submits, want 1", len(submits))
	}
	if submits[0].Path != "/"+falTestModel {
		t.Errorf("submit path = %q, want /%s", submits[0].Path, falTestModel)
	}
	for _, c := range fake.Calls("", "") {
		if c.Path != "/files/out.png" && c.Auth != "Key test-key" {
			t.Errorf("%s %s: Authorization = %q, want Key test-key", c.Method, c.Path, c.Auth)
		}
	}
	want := `{"prompt":"a red fox in the snow","negative_prompt":"blurry","aspect_ratio":"16:9","num_images":1}`
	if !sameJSON(t, submits[0].Body, []byte(want)) {
		t.Errorf("submitted %s, want %s", submits[0].Body, want)
	}
	states := saved.all()
	if len(states) != 1 || !sameJSON(t, states[0], fake.Queued()) {
		t.Errorf("saved states %q, want once the submit response %s", states, fake.Queued())
	}
	if n := len(fake.Cancels()); n != 0 {
		t.Errorf("%d cancel calls on success", n)
	}
}

func TestFALQueueThenProgress(t *testing.T) {
	fake := falfake.New(t, falfake.Config{Media: "video", QueuedPolls: 3, ProgressPolls: 2})
	saved := &falSaved{}
	req := falTestRequest(saved)
	req.MediaType = "video"
	if err := newTestFAL(t, fake, 5*time.Second).Generate(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	if outs := saved.stored(); len(outs) != 1 || !bytes.Equal(outs[0].data, fake.File()) || outs[0].contentType != "video/mp4" {
		t.Fatalf("outputs = %+v, want the stand-in's MP4", outs)
	}
	// 3 IN_QUEUE + 2 IN_PROGRESS + 1 COMPLETED, and not one poll more.
	if n := len(fake.Calls(http.MethodGet, "/queue/requests/req-1/status")); n != 6 {
		t.Errorf("%d status polls, want 6", n)
	}
	if n := len(fake.Calls(http.MethodGet, "/queue/requests/req-1")) - 6; n != 1 {
		t.Errorf("%d result fetches, want 1", n)
	}
}

func TestFALResultServerError(t *testing.T) {
	fake := falfake.New(t, falfake.Config{ResultStatus: http.StatusInternalServerError})
	err := newTestFAL(t, fake, 5*time.Second).Generate(t.Context(), falTestRequest(&falSaved{}))
	if err == nil || IsPermanent(err) {
		t.Fatalf("err = %v, want a transient error", err)
	}
	if !strings.Contains(err.Error(), "500") || !strings.Contains(err.Error(), "model exploded") {
		t.Errorf("err = %v, want the status and an excerpt", err)
	}
	if msg := userMessage(err); msg != "Generation failed: "+reasonProvider {
		t.Errorf("user message %q", msg)
	}
	results := len(fake.Calls(http.MethodGet, "/queue/requests/req-1")) - len(fake.Calls(http.MethodGet, "/queue/requests/req-1/status"))
	if results != falRetries {
		t.Errorf("%d result fetches, want %d (retried)", results, falRetries)
	}
}

func TestFALResultRejected(t *testing.T) {
	fake := falfake.New(t, falfake.Config{ResultStatus: http.StatusUnprocessableEntity})
	err := newTestFAL(t, fake, 5*time.Second).Generate(t.Context(), falTestRequest(&falSaved{}))
	if !IsPermanent(err) {
		t.Fatalf("err = %v, want a permanent error", err)
	}
	if !strings.Contains(err.Error(), "422") || !strings.Contains(err.Error(), "model exploded") {
		t.Errorf("err = %v, want the status and an excerpt", err)
	}
	if msg := userMessage(err); msg != "Generation failed: "+reasonProvider {
		t.Errorf("user message %q", msg)
	}
	results := len(fake.Calls(http.MethodGet, "/queue/requests/req-1")) - len(fake.Calls(http.MethodGet, "/queue/requests/req-1/status"))
	if results != 1 {
		t.Errorf("%d result fetches, want 1 (no retry)", results)
	}
}

func TestFALTimeout(t *testing.T) {
	fake := falfake.New(t, falfake.Config{Hang: true})
	start := time.Now()
	err := newTestFAL(t, fake, 300*time.Millisecond).Generate(t.Context(), falTestRequest(&falSaved{}))
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("took %s with a 300ms timeout", elapsed)
	}
	if !IsPermanent(err) {
		t.Fatalf("err = %v, want a permanent error", err)
	}
	if errors.Is(err, ErrCancelled) {
		t.Errorf("err = %v, a timeout is not a user cancel", err)
	}
	if msg := userMessage(err); msg != "Generation failed: "+reasonTimeout {
		t.Errorf("user message %q", msg)
	}
	cancels := fake.Calls(http.MethodPut, "/queue/requests/req-1/cancel")
	if len(cancels) != 1 || cancels[0].Auth != "Key test-key" {
		t.Errorf("cancel calls = %+v, want one with the key", cancels)
	}
}

func TestFALCancel(t *testing.T) {
	fake := falfake.New(t, falfake.Config{Hang: true})
	ctx, cancel := context.WithCancelCause(t.Context())
	defer cancel(nil)
	go func() {
		<-fake.Polled()
		cancel(ErrCancelled)
	}()
	err := newTestFAL(t, fake, 5*time.Second).Generate(ctx, falTestRequest(&falSaved{}))
	if !errors.Is(err, ErrCancelled) {
		t.Fatalf("err = %v, want ErrCancelled", err)
	}
	cancels := fake.Calls(http.MethodPut, "/queue/requests/req-1/cancel")
	if len(cancels) != 1 || cancels[0].Auth != "Key test-key" {
		t.Errorf("cancel calls = %+v, want one with the key", cancels)
	}
}

// An attempt stopped by shutdown leaves the request running at FAL; the
// next attempt picks it up from the saved state without paying again.
func TestFALResume(t *testing.T) {
	fake := falfake.New(t, falfake.Config{QueuedPolls: 1, ProgressPolls: 1})
	fal := newTestFAL(t, fake, 5*time.Second)

	ctx, shutdown := context.WithCancel(t.Context())
	defer shutdown()
	saved := &falSaved{}
	req := falTestRequest(saved)
	req.SaveState = func(ctx context.Context, state json.RawMessage) error {
		shutdown()
		return saved.save(ctx, state)
	}
	err := fal.Generate(ctx, req)
	if !errors.Is(err, context.Canceled) || IsPermanent(err) || errors.Is(err, ErrCancelled) {
		t.Fatalf("first attempt err = %v, want a transient context.Canceled", err)
	}
	if n := len(fake.Cancels()); n != 0 {
		t.Fatalf("%d cancel calls on shutdown, want 0", n)
	}

	resumed := &falSaved{}
	req = falTestRequest(resumed)
	req.State = saved.all()[0]
	if err := fal.Generate(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	if outs := resumed.stored(); len(outs) != 1 || !bytes.Equal(outs[0].data, fake.File()) {
		t.Fatalf("outputs = %+v, want the stand-in's PNG", outs)
	}
	if n := fake.Submits(); n != 1 {
		t.Errorf("%d submits, want 1", n)
	}
}

func TestFALSubmitRetry(t *testing.T) {
	fake := falfake.New(t, falfake.Config{SubmitFailures: 1})
	saved := &falSaved{}
	if err := newTestFAL(t, fake, 5*time.Second).Generate(t.Context(), falTestRequest(saved)); err != nil {
		t.Fatal(err)
	}
	if outs := saved.stored(); len(outs) != 1 {
		t.Fatalf("%d outputs, want 1", len(outs))
	}
	if n := fake.Submits(); n != 2 {
		t.Errorf("%d submits, want 2", n)
	}
	if n := len(saved.all()); n != 1 {
		t.Errorf("SaveState called %d times, want 1", n)
	}
}

func TestFALSubmitRejected(t *testing.T) {
	fake := falfake.New(t, falfake.Config{SubmitFailures: 99, SubmitStatus: http.StatusUnprocessableEntity})
	saved := &falSaved{}
	err := newTestFAL(t, fake, 5*time.Second).Generate(t.Context(), falTestRequest(saved))
	if !IsPermanent(err) || !strings.Contains(err.Error(), "422") || !strings.Contains(err.Error(), "submit refused") {
		t.Fatalf("err = %v, want a permanent error with status and excerpt", err)
	}
	if n := fake.Submits(); n != 1 {
		t.Errorf("%d submits, want 1 (no retry)", n)
	}
	if n := len(saved.all()); n != 0 {
		t.Errorf("SaveState called %d times, want 0", n)
	}
}

func TestFALSaveStateFails(t *testing.T) {
	fake := falfake.New(t, falfake.Config{})
	req := falTestRequest(&falSaved{})
	boom := errors.New("database down")
	req.SaveState = func(context.Context, json.RawMessage) error { return boom }
	err := newTestFAL(t, fake, 5*time.Second).Generate(t.Context(), req)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the SaveState error", err)
	}
	if n := len(fake.Calls(http.MethodGet, "/queue/")); n != 0 {
		t.Errorf("%d polls after a failed save, want 0", n)
	}
	if n := len(fake.Calls(http.MethodPut, "/queue/requests/req-1/cancel")); n != 1 {
		t.Errorf("%d cancel calls, want 1: the orphaned request is dropped", n)
	}
}

// The key goes to FAL's origin only: not to a CDN on another port of the
// same host, named directly or reached by a redirect from FAL's origin
// (where Go's client forwards it).
func TestFALKeyStaysOnFAL(t *testing.T) {
	for _, redirect := range []bool{false, true} {
		fake := falfake.New(t, falfake.Config{CDN: true, CDNRedirect: redirect})
		if err := newTestFAL(t, fake, 5*time.Second).Generate(t.Context(), falTestRequest(&falSaved{})); err != nil {
			t.Fatal(err)
		}
		var downloads int
		for _, c := range fake.Calls(http.MethodGet, "/files/") {
			if c.Server != "cdn" {
				t.Errorf("download from %s, want cdn", c.Server)
			}
			if c.Auth != "" {
				t.Errorf("redirect %v: the key went to another origin: Authorization = %q", redirect, c.Auth)
			}
			downloads++
		}
		if downloads != 1 {
			t.Errorf("%d downloads, want 1", downloads)
		}
	}
}

// An output URL outside the admitted origins on a loopback address is
// refused without a retry: a permanent failure to fetch.
func TestFALOutputRefused(t *testing.T) {
	internal := falfake.New(t, falfake.Config{})
	fake := falfake.New(t, falfake.Config{OutputURL: internal.URL() + "/files/out.png"})
	err := newTestFAL(t, fake, 5*time.Second).Generate(t.Context(), falTestRequest(&falSaved{}))
	if !IsPermanent(err) || !errors.Is(err, fetch.ErrRefused) {
		t.Fatalf("err = %v, want a permanent refusal", err)
	}
	if msg := userMessage(err); msg != "Generation failed: "+reasonFetch {
		t.Errorf("user message %q", msg)
	}
	if n := len(internal.Calls("", "")); n != 0 {
		t.Errorf("the internal server got %d requests", n)
	}
}

func TestFALTooManyOutputs(t *testing.T) {
	fake := falfake.New(t, falfake.Config{Outputs: MaxOutputs + 1})
	saved := &falSaved{}
	err := newTestFAL(t, fake, 5*time.Second).Generate(t.Context(), falTestRequest(saved))
	if !IsPermanent(err) || !errors.Is(err, errTooManyOutputs) {
		t.Fatalf("err = %v, want the permanent too-many-outputs error", err)
	}
	if n := len(fake.Calls(http.MethodGet, "/files/")); n != 0 || len(saved.stored()) != 0 {
		t.Errorf("%d downloads, %d stored: want none before failing", n, len(saved.stored()))
	}
}

func TestFALContentType(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  falfake.Config
		want string
	}{
		{"declared wins", falfake.Config{Media: "video", HeaderType: "video/quicktime"}, "video/mp4"},
		{"from header", falfake.Config{Media: "video", NoJSONType: true, HeaderType: "video/quicktime; codecs=avc1"}, "video/quicktime"},
		{"sniffed image", falfake.Config{NoJSONType: true, HeaderType: "-"}, "image/png"},
		{"sniffed video", falfake.Config{Media: "video", NoJSONType: true, HeaderType: "-"}, "video/mp4"},
		{"octet-stream sniffed", falfake.Config{NoJSONType: true, HeaderType: "application/octet-stream"}, "image/png"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := falfake.New(t, tc.cfg)
			saved := &falSaved{}
			if err := newTestFAL(t, fake, 5*time.Second).Generate(t.Context(), falTestRequest(saved)); err != nil {
				t.Fatal(err)
			}
			if outs := saved.stored(); len(outs) != 1 || outs[0].contentType != tc.want {
				t.Fatalf("outputs = %+v, want one %s", outs, tc.want)
			}
		})
	}
}

func TestFALDownloadLimit(t *testing.T) {
	const size = 1 << 20
	fake := falfake.New(t, falfake.Config{FileSize: size})
	err := NewFAL(FALConfig{Key: "test-key", BaseURL: fake.URL(), PollInitial: time.Millisecond, MaxDownload: size - 1}).
		Generate(t.Context(), falTestRequest(&falSaved{}))
	if !IsPermanent(err) || !errors.Is(err, fetch.ErrTooLarge) {
		t.Fatalf("err = %v, want a permanent over-the-limit error", err)
	}
	if msg := userMessage(err); msg != "Generation failed: "+reasonFetch {
		t.Errorf("user message %q", msg)
	}
}
