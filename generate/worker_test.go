package generate_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/bus"
	"github.com/velro-ai/velro/generate"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/media"
	"github.com/velro-ai/velro/storetest"
)

// failing is a provider that fails the way it is told to.
type failing struct{ err error }

func (f failing) Generate(context.Context, generate.Request) error { return f.err }

// putting is a provider that stores n small outputs, then, given
// stored, closes it and waits for ctx to end; it returns err.
type putting struct {
	n      int
	stored chan struct{}
	err    error
}

func (p putting) Generate(ctx context.Context, req generate.Request) error {
	for i := range p.n {
		if err := req.Put(ctx, generate.Output{Body: strings.NewReader(fmt.Sprint("output ", i)), ContentType: "image/png"}); err != nil {
			return err
		}
	}
	if p.stored != nil {
		close(p.stored)
		<-ctx.Done()
		return context.Cause(ctx)
	}
	return p.err
}

// brokenMedia is a media store whose disk is full.
type brokenMedia struct{ velro.MediaStore }

func (brokenMedia) Put(context.Context, string, io.Reader, string) error {
	return errors.New("no space left on device")
}

func setup(t *testing.T, provider generate.Provider, files velro.MediaStore) (*generate.Worker, velro.Store, *velro.User) {
	b := new(bus.Local)
	s := testenv.GuardOn(testenv.Store(t, testenv.SQLite(t), 0), b)
	w := &generate.Worker{Store: s, Media: files, Providers: map[string]generate.Provider{velro.ProviderLocal: provider},
		Notifier: generate.NewNotifier(b), Log: slog.New(slog.DiscardHandler), AttemptTimeout: time.Minute}
	return w, s, storetest.NewUser(t, s, uuid.NewString()+"@example.com")
}

// startedProvider closes started when a render begins, then renders
// with the Provider.
type startedProvider struct {
	generate.Provider
	started chan struct{}
}

func (p startedProvider) Generate(ctx context.Context, req generate.Request) error {
	close(p.started)
	return p.Provider.Generate(ctx, req)
}

func submitted(t *testing.T, s velro.Store, u *velro.User) uuid.UUID {
	now := velro.Now()
	g := &velro.Generation{ID: velro.NewID(), UserID: u.ID, ModelID: "local/image", Prompt: "p", Parameters: map[string]any{},
		Status: velro.StatusPending, Cost: 5, MediaType: "image", OutputURLs: []string{}, CreatedAt: now, UpdatedAt: now}
	if _, _, err := s.SubmitGeneration(t.Context(), g, "", velro.NoRule); err != nil {
		t.Fatal(err)
	}
	return g.ID
}

func status(t *testing.T, s velro.Store, id uuid.UUID) velro.Status {
	g, err := s.FindGeneration(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return g.Status
}

func TestWorkerAttempts(t *testing.T) {
	dir, err := media.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	transient := failing{errors.New("provider hiccup")}

	t.Run("transient failure retries, then fails on the last attempt", func(t *testing.T) {
		w, s, u := setup(t, transient, dir)
		id := submitted(t, s, u)
		if err := w.Run(t.Context(), id, 1, 3); err == nil {
			t.Fatal("a transient failure before the last attempt was not reported for a retry")
		}
		if st := status(t, s, id); st != velro.StatusProcessing {
			t.Fatalf("after attempt 1: %s", st)
		}
		if err := w.Run(t.Context(), id, 3, 3); err != nil {
			t.Fatalf("last attempt returned %v", err)
		}
		if st := status(t, s, id); st != velro.StatusFailed {
			t.Fatalf("after the last attempt: %s", st)
		}
		if b, _ := s.FindUserByID(t.Context(), u.ID); b.CreditsBalance != velro.WelcomeCredits {
			t.Fatalf("balance %d: not refunded", b.CreditsBalance)
		}
	})

	t.Run("permanent failure fails at once", func(t *testing.T) {
		w, s, u := setup(t, failing{generate.Permanent(errors.New("rejected by 10.0.0.7:6379"))}, dir)
		id := submitted(t, s, u)
		if err := w.Run(t.Context(), id, 1, 3); err != nil || status(t, s, id) != velro.StatusFailed {
			t.Fatalf("permanent failure: %v, %s", err, status(t, s, id))
		}
		if g, _ := s.FindGeneration(t.Context(), id); *g.ErrorMessage != "Generation failed: an internal error occurred" {
			t.Fatalf("error_message %q, want the generic one", *g.ErrorMessage)
		}
	})

	t.Run("storage failure on the last attempt refunds", func(t *testing.T) {
		w, s, u := setup(t, &generate.Local{}, brokenMedia{dir})
		id := submitted(t, s, u)
		if err := w.Run(t.Context(), id, 3, 3); err != nil || status(t, s, id) != velro.StatusFailed {
			t.Fatalf("full disk on the last attempt: %v, %s", err, status(t, s, id))
		}
		if g, _ := s.FindGeneration(t.Context(), id); *g.ErrorMessage != "Generation failed: could not store an output" {
			t.Fatalf("error_message %q", *g.ErrorMessage)
		}
		if b, _ := s.FindUserByID(t.Context(), u.ID); b.CreditsBalance != velro.WelcomeCredits {
			t.Fatalf("balance %d: not refunded", b.CreditsBalance)
		}
	})

	t.Run("shutdown interrupts without failing", func(t *testing.T) {
		started := make(chan struct{})
		w, s, u := setup(t, startedProvider{&generate.Local{Delay: time.Minute}, started}, dir)
		id := submitted(t, s, u)
		ctx, cancel := context.WithCancel(t.Context())
		go func() { // shut down mid-render
			select {
			case <-started:
				cancel()
			case <-ctx.Done():
			}
		}()
		if err := w.Run(ctx, id, 3, 3); !errors.Is(err, generate.ErrInterrupted) {
			t.Fatalf("shutdown on the last attempt returned %v", err)
		}
		if st := status(t, s, id); st != velro.StatusProcessing {
			t.Fatalf("after shutdown: %s", st)
		}
	})

	t.Run("success stores outputs", func(t *testing.T) {
		w, s, u := setup(t, &generate.Local{}, dir)
		id := submitted(t, s, u)
		if err := w.Run(t.Context(), id, 1, 3); err != nil {
			t.Fatal(err)
		}
		g, _ := s.FindGeneration(t.Context(), id)
		if g.Status != velro.StatusCompleted || len(g.OutputURLs) != 1 {
			t.Fatalf("completed %+v", g)
		}
		f, err := dir.Open(t.Context(), g.OutputURLs[0])
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	})
}

// TestWorkerRunsTwice: the queue may run a job twice at once; the
// generation completes once, keeps its outputs and is not refunded.
func TestWorkerRunsTwice(t *testing.T) {
	dir, err := media.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w, s, u := setup(t, &generate.Local{Delay: 50 * time.Millisecond}, dir)
	id := submitted(t, s, u)
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- w.Run(t.Context(), id, 1, 3) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	g, _ := s.FindGeneration(t.Context(), id)
	if g.Status != velro.StatusCompleted || len(g.OutputURLs) != 1 {
		t.Fatalf("after two runs: %+v", g)
	}
	f, err := dir.Open(t.Context(), g.OutputURLs[0])
	if err != nil {
		t.Fatalf("the outputs of a generation run twice are gone: %v", err)
	}
	f.Close()
	if b, _ := s.FindUserByID(t.Context(), u.ID); b.CreditsBalance != velro.WelcomeCredits-5 {
		t.Fatalf("balance %d", b.CreditsBalance)
	}
}

// stored reports whether any output of generation id is in root.
func stored(t *testing.T, root string, id uuid.UUID) bool {
	_, err := os.Stat(filepath.Join(root, velro.GenerationPrefix(id)))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return err == nil
}

func TestWorkerOutputLimit(t *testing.T) {
	root := t.TempDir()
	dir, err := media.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}

	w, s, u := setup(t, putting{n: generate.MaxOutputs}, dir)
	id := submitted(t, s, u)
	if err := w.Run(t.Context(), id, 1, 3); err != nil {
		t.Fatal(err)
	}
	if g, _ := s.FindGeneration(t.Context(), id); g.Status != velro.StatusCompleted || len(g.OutputURLs) != generate.MaxOutputs {
		t.Fatalf("%d outputs: %s with %d", generate.MaxOutputs, g.Status, len(g.OutputURLs))
	}

	w, s, u = setup(t, putting{n: generate.MaxOutputs + 1}, dir)
	id = submitted(t, s, u)
	if err := w.Run(t.Context(), id, 1, 3); err != nil {
		t.Fatal(err)
	}
	g, _ := s.FindGeneration(t.Context(), id)
	if g.Status != velro.StatusFailed || *g.ErrorMessage != "Generation failed: the provider returned more than 8 outputs" {
		t.Fatalf("%d outputs: %s, %q", generate.MaxOutputs+1, g.Status, *g.ErrorMessage)
	}
	if b, _ := s.FindUserByID(t.Context(), u.ID); b.CreditsBalance != velro.WelcomeCredits {
		t.Fatalf("balance %d: not refunded", b.CreditsBalance)
	}
	if stored(t, root, id) {
		t.Fatal("the outputs stored before the limit are left behind")
	}
}

// Outputs are stored as they come, so a generation that ends without
// completing deletes those it had.
func TestWorkerDiscardsPartialOutputs(t *testing.T) {
	root := t.TempDir()
	dir, err := media.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("failed", func(t *testing.T) {
		w, s, u := setup(t, putting{n: 2, err: generate.Permanent(errors.New("third output refused"))}, dir)
		id := submitted(t, s, u)
		if err := w.Run(t.Context(), id, 1, 3); err != nil || status(t, s, id) != velro.StatusFailed {
			t.Fatalf("%v, %s", err, status(t, s, id))
		}
		if stored(t, root, id) {
			t.Fatal("outputs of a failed generation are left behind")
		}
	})

	t.Run("retried keeps them for the next attempt", func(t *testing.T) {
		w, s, u := setup(t, putting{n: 1, err: errors.New("hiccup")}, dir)
		id := submitted(t, s, u)
		if err := w.Run(t.Context(), id, 1, 3); err == nil || status(t, s, id) != velro.StatusProcessing {
			t.Fatalf("%v, %s", err, status(t, s, id))
		}
		if !stored(t, root, id) {
			t.Fatal("a transient failure deleted outputs while another run may be storing them")
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		first := make(chan struct{})
		w, s, u := setup(t, putting{n: 1, stored: first}, dir)
		id := submitted(t, s, u)
		done := make(chan error, 1)
		go func() { done <- w.Run(t.Context(), id, 1, 3) }()
		<-first
		// The cancellation's effects reach the worker through the bus.
		if _, _, err := s.CancelGeneration(t.Context(), id, velro.NoRule); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if stored(t, root, id) {
			t.Fatal("outputs of a cancelled generation are left behind")
		}
	})
}

// TestReferenceGoneFails: a generation whose reference upload was deleted
// before it ran fails at once, refunded, and says why.
func TestReferenceGoneFails(t *testing.T) {
	files, err := media.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w, s, u := setup(t, &generate.Local{}, files)
	ref := storetest.NewUpload(t, s, u.ID, nil, 10)
	now := velro.Now()
	g := &velro.Generation{ID: velro.NewID(), UserID: u.ID, ModelID: "local/image-edit", Prompt: "p", Parameters: map[string]any{},
		Status: velro.StatusPending, Cost: 5, MediaType: "image", OutputURLs: []string{}, ReferenceUploadIDs: []uuid.UUID{ref.ID},
		CreatedAt: now, UpdatedAt: now}
	if _, _, err := s.SubmitGeneration(t.Context(), g, "", velro.NoRule); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.DeleteUpload(t.Context(), ref.ID, velro.NoRule); err != nil {
		t.Fatal(err)
	}
	if err := w.Run(t.Context(), g.ID, 1, 3); err != nil {
		t.Fatalf("a permanent failure is not retried: %v", err)
	}
	got, err := s.FindGeneration(t.Context(), g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != velro.StatusFailed || got.ErrorMessage == nil || !strings.Contains(*got.ErrorMessage, "reference image") {
		t.Fatalf("generation %+v", got)
	}
	if user, _ := s.FindUserByID(t.Context(), u.ID); user.CreditsBalance != velro.WelcomeCredits {
		t.Fatalf("balance %d after a refunded failure", user.CreditsBalance)
	}
}
