package generate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/media"
)

// Worker runs generation jobs (it is the job queue's Runner): it moves the
// generation to processing, has its provider render it, streaming every
// output into media storage, and completes it — or fails and refunds it.
// A generation that ends without its outputs (failed, cancelled, deleted)
// leaves none behind.
type Worker struct {
	Store     JobStore
	Media     velro.MediaStore
	Providers map[string]Provider // by velro.Model.Provider
	Notifier  *Notifier
	Log       *slog.Logger
	// AttemptTimeout bounds one attempt (the slowest provider's timeout
	// plus margin).
	AttemptTimeout time.Duration
	// Signer and PublicURL sign the URLs of reference images that remote
	// providers fetch; without PublicURL the images go inline.
	Signer    *media.Signer
	PublicURL string
}

// Timeout implements queue.Runner.
func (w *Worker) Timeout() time.Duration { return w.AttemptTimeout }

// MediaKey is where output i of a generation is stored: built from ids
// only.
func MediaKey(id uuid.UUID, i int, contentType string) string {
	ext := ".bin"
	if exts, _ := mime.ExtensionsByType(contentType); len(exts) > 0 {
		ext = exts[len(exts)-1]
	}
	switch contentType { // prefer the common extensions
	case "image/jpeg":
		ext = ".jpg"
	case "image/png":
		ext = ".png"
	case "image/gif":
		ext = ".gif"
	case "video/mp4":
		ext = ".mp4"
	}
	return fmt.Sprintf("%s%d%s", velro.GenerationPrefix(id), i, ext)
}

// Run implements queue.Runner. It returns an error only for a transient
// failure that a later attempt may fix; on the last attempt it fails the
// generation instead.
func (w *Worker) Run(ctx context.Context, id uuid.UUID, attempt, maxAttempts int) error {
	g, _, err := w.Store.StartGeneration(ctx, id)
	if velro.ErrorCode(err) == velro.ENOTFOUND {
		return nil // deleted before it ran
	} else if err != nil {
		return err
	}
	if g.Status.Terminal() {
		return nil // cancelled (and refunded) before it ran
	}

	// A cancellation anywhere cancels the provider call here.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	changes, stop := w.Notifier.Watch(id)
	defer stop()
	go func() { // ends with the attempt: changes is never closed
		for {
			select {
			case <-ctx.Done():
				return
			case status := <-changes:
				if status == velro.StatusCancelled || status == velro.StatusDeleted {
					cancel(ErrCancelled)
					return
				}
			}
		}
	}()

	keys, size, err := w.render(ctx, g)
	if err == nil {
		if err = w.complete(ctx, id, keys, size); err == nil {
			return nil
		}
	}
	switch {
	case errors.Is(err, ErrCancelled) || errors.Is(context.Cause(ctx), ErrCancelled):
		return w.discard(ctx, id) // the cancel already refunded it
	case errors.Is(ctx.Err(), context.Canceled):
		// Shutting down: the job runs again later, here or elsewhere, and
		// resumes from the provider state, storing its outputs again over
		// these. (Running out of time is a failure like any other.)
		return fmt.Errorf("%w: %w", ErrInterrupted, err)
	case IsPermanent(err) || attempt >= maxAttempts:
		w.Log.WarnContext(ctx, "generation failed", "generation_id", id, "attempt", attempt, "error", err)
		return w.fail(ctx, id, err)
	}
	w.Log.InfoContext(ctx, "generation attempt failed; will retry", "generation_id", id, "attempt", attempt, "error", err)
	return err
}

// ErrInterrupted marks an attempt cut short by shutdown, not by a failure:
// the queue runs it again without counting it.
var ErrInterrupted = errors.New("generation attempt interrupted")

// complete completes the generation with the outputs stored under keys,
// size bytes in all.
func (w *Worker) complete(ctx context.Context, id uuid.UUID, keys []string, size int64) error {
	done, _, err := w.Store.CompleteGeneration(ctx, id, keys, size)
	if err != nil {
		return err
	}
	if !done { // cancelled or deleted while rendering
		return w.discard(ctx, id)
	}
	return nil
}

// discard deletes the stored outputs of a generation that ended without
// them. Unless another run of the same job (the queue delivers at least
// once) completed it: they are its outputs too. It is called only once the
// generation has ended, so no other run can still complete it.
func (w *Worker) discard(ctx context.Context, id uuid.UUID) error {
	ctx = context.WithoutCancel(ctx)
	g, err := w.Store.FindGeneration(ctx, id)
	if err == nil && g.Status == velro.StatusCompleted {
		return nil
	}
	return w.Media.DeletePrefix(ctx, velro.GenerationPrefix(id))
}

// render has the provider make the generation, storing each output as it
// comes; it returns their keys and their size in all.
func (w *Worker) render(ctx context.Context, g *velro.Generation) ([]string, int64, error) {
	model, ok := velro.FindModel(g.ModelID)
	if !ok {
		return nil, 0, Permanent(failed(reasonUnavailable, fmt.Errorf("unknown model %q", g.ModelID)))
	}
	provider := w.Providers[model.Provider]
	if provider == nil {
		return nil, 0, Permanent(failed(reasonUnavailable, fmt.Errorf("provider %s is not configured", model.Provider)))
	}
	state, err := w.Store.ProviderState(ctx, g.ID)
	if err != nil {
		return nil, 0, err
	}
	refs, err := w.references(ctx, g)
	if err != nil {
		return nil, 0, err
	}
	var keys []string
	var size int64
	put := func(ctx context.Context, out Output) error {
		if len(keys) == MaxOutputs {
			return errTooManyOutputs
		}
		key := MediaKey(g.ID, len(keys), out.ContentType)
		counted := &media.Counter{R: out.Body}
		if err := w.Media.Put(ctx, key, counted, out.ContentType); err != nil {
			return failed(reasonStore, err)
		}
		keys, size = append(keys, key), size+counted.N
		return nil
	}
	err = provider.Generate(ctx, Request{
		GenerationID: g.ID, ModelID: g.ModelID, MediaType: g.MediaType, Prompt: g.Prompt,
		NegativePrompt: g.NegativePrompt, Parameters: g.Parameters, References: refs, State: state,
		SaveState: func(ctx context.Context, s json.RawMessage) error {
			_, err := w.Store.SaveProviderState(ctx, g.ID, s)
			return err
		},
		Put: put,
	})
	if err == nil && len(keys) == 0 {
		err = Permanent(failed(reasonNoOutput, errors.New("the provider returned no output")))
	}
	return keys, size, err
}

// fail marks the generation failed and refunds it (at most once: only the
// transition out of pending/processing refunds), with a generic message:
// the cause, which may name internal hosts, goes to the log only.
func (w *Worker) fail(ctx context.Context, id uuid.UUID, cause error) error {
	ctx = context.WithoutCancel(ctx)
	if _, _, err := w.Store.FailGeneration(ctx, id, userMessage(cause)); err != nil {
		return err
	}
	return w.discard(ctx, id)
}
