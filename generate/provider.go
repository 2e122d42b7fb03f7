// Package generate makes generations happen: the River jobs that run them,
// the providers that render them (a built-in renderer and the FAL queue
// API), and the copying of every output into Velro's media storage.
package generate

import (
	"context"
	"encoding/json"
	"errors"
	"io"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// Request is what a provider is asked to make.
type Request struct {
	GenerationID   uuid.UUID
	ModelID        string
	MediaType      velro.MediaType
	Prompt         string
	NegativePrompt string
	// Parameters are already validated and coerced for the model.
	Parameters map[string]any
	// References are the reference images, for image-input models.
	References []Reference
	// State is what an earlier attempt of this generation saved through
	// SaveState (nil on the first attempt): a provider that submits work
	// elsewhere resumes it rather than paying for it twice.
	State json.RawMessage
	// SaveState persists provider state for later attempts.
	SaveState func(ctx context.Context, state json.RawMessage) error
	// Put stores one output, streaming its body into media storage: a
	// provider hands over each output as it gets it, never holding it
	// whole. Call it once per output, in order, one call at a time; past
	// MaxOutputs it fails.
	Put func(ctx context.Context, out Output) error
}

// MaxOutputs is the most files one generation may produce.
const MaxOutputs = 8

// Output is one produced file, read once as it is stored.
type Output struct {
	Body        io.Reader
	ContentType string // e.g. "image/png", "video/mp4"
}

// Provider renders generations. Generate returns once every output went
// through req.Put, the provider failed, or ctx ends. When ctx ends because
// the generation was cancelled (context.Cause(ctx) is ErrCancelled) a
// provider that submitted work elsewhere cancels it there, best effort.
type Provider interface {
	Generate(ctx context.Context, req Request) error
}

// ErrCancelled is the cause of a generation context cancelled by the user.
var ErrCancelled = errors.New("generation cancelled")

// PermanentError is a provider failure that retrying cannot fix (the
// provider rejected the input, or the result was a failure). Any other error
// is treated as transient and retried a bounded number of times.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err as a PermanentError.
func Permanent(err error) error { return &PermanentError{Err: err} }

// IsPermanent reports whether err (or what it wraps) is permanent.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}
