package velro

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Status is where a generation is in its life.
type Status string

// Generation statuses.
const (
	StatusPending    Status = "pending"
	StatusProcessing Status = "processing"
	StatusCompleted  Status = "completed"
	StatusFailed     Status = "failed"
	StatusCancelled  Status = "cancelled"
	// StatusDeleted is never stored: it is announced (StatusChange) when a
	// generation is deleted, so streams and workers watching it stop.
	StatusDeleted Status = "deleted"
	// StatusUnknown is never stored: it is announced when a generation's
	// status may have changed (a write whose commit was not confirmed), and
	// whoever watches it looks it up.
	StatusUnknown Status = ""
)

// Terminal reports whether a generation in status s will not change again.
func (s Status) Terminal() bool {
	return s == StatusCompleted || s == StatusFailed || s == StatusCancelled || s == StatusDeleted
}

// MediaType is what a model makes and a generation holds.
type MediaType string

// Media types.
const (
	MediaImage MediaType = "image"
	MediaVideo MediaType = "video"
)

// Generation is one AI image or video made for a user, optionally in a
// project.
type Generation struct {
	ID             uuid.UUID      `json:"id"`
	UserID         uuid.UUID      `json:"user_id"`
	ProjectID      *uuid.UUID     `json:"project_id"`
	ModelID        string         `json:"model_id"`
	Prompt         string         `json:"prompt"`
	NegativePrompt string         `json:"negative_prompt"`
	Parameters     map[string]any `json:"parameters"`
	Status         Status         `json:"status" enum:"pending,processing,completed,failed,cancelled"`
	Cost           int64          `json:"cost"`
	MediaType      MediaType      `json:"media_type" enum:"image,video"`
	OutputURLs     []string       `json:"output_urls"`
	IsFavorite     bool           `json:"is_favorite"`
	ErrorMessage   *string        `json:"error_message"`
	// ReferenceUploadIDs are the uploads given as reference images.
	ReferenceUploadIDs []uuid.UUID `json:"reference_upload_ids"`
	// ParentGenerationID is the generation this one is a variation of.
	ParentGenerationID *uuid.UUID `json:"parent_generation_id"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
	StartedAt          *time.Time `json:"started_at" doc:"When a worker started rendering it"`
	CompletedAt        *time.Time `json:"completed_at" doc:"When it ended (completed, failed or cancelled)"`
	ProcessingTimeMS   *int64     `json:"processing_time_ms" doc:"From started_at to completed_at, once both are known"`
	// RequestHash identifies the request that submitted the generation
	// under an idempotency key (see SubmitGeneration); empty otherwise.
	RequestHash string `json:"-"`
}

// GenerationPrefix is where a generation's outputs live in media
// storage; keys are built from ids only.
func GenerationPrefix(id uuid.UUID) string { return "generations/" + id.String() + "/" }

// MaxReferences is the most reference images one generation takes.
const MaxReferences = 4

// GenerationFilter selects generations: a user's own, or (with ProjectID)
// a project's.
type GenerationFilter struct {
	UserID    uuid.UUID
	ProjectID *uuid.UUID // a project's generations, whoever made them, instead of the user's
	AnyUser   bool       // every user's generations (the admin console), instead of the user's
	ModelID   string     // only this model's; "" any
	Statuses  []Status   // only these statuses; none: any
	Favorite  *bool      // only favourites (true) or the rest (false); nil: any
	Since     time.Time  // only those created at or after; zero: any
	Page
}

// GenerationStats are a user's generation counts.
type GenerationStats struct {
	Total          int     `json:"total_generations"`
	Completed      int     `json:"completed_generations"`
	Failed         int     `json:"failed_generations"`
	Processing     int     `json:"processing_generations" doc:"Pending or processing"`
	Favorite       int     `json:"favorite_generations"`
	CreditsUsed    int64   `json:"total_credits_used" doc:"Credits spent on generations, net of refunds"`
	SuccessRatePct float64 `json:"success_rate" doc:"Completed as a percentage of completed and failed (0 when none)"`
	Breakdown
}

// Breakdown counts generations by model and by media type.
type Breakdown struct {
	ByModel map[string]int    `json:"by_model" doc:"Generations per model id"`
	ByType  map[MediaType]int `json:"by_type" doc:"Generations per media type (image, video)"`
}

// GenerationReader reads generations.
type GenerationReader interface {
	// FindGeneration returns ENOTFOUND when absent.
	FindGeneration(ctx context.Context, id uuid.UUID) (*Generation, error)
	// ListGenerations returns a page, newest first, and the total.
	ListGenerations(ctx context.Context, f GenerationFilter) ([]*Generation, int, error)
	// GenerationStats counts the user's own generations.
	GenerationStats(ctx context.Context, userID uuid.UUID) (GenerationStats, error)
	// ProviderState returns what SaveProviderState kept (nil if nothing).
	ProviderState(ctx context.Context, id uuid.UUID) ([]byte, error)
	// StaleGenerations lists up to limit generations still pending or
	// processing that have not changed since before.
	StaleGenerations(ctx context.Context, before time.Time, limit int) ([]uuid.UUID, error)
}

// GenerationWriter moves generations through their lives. Every status
// change that ends a generation without a result (failure, cancellation,
// deletion in flight) refunds its cost in the same transaction, exactly
// once. Every status change is in the write's Effects.
type GenerationWriter interface {
	// CreateGeneration inserts g as it is, charging nothing.
	CreateGeneration(ctx context.Context, g *Generation) (Effects, error)
	// SubmitGeneration, in one transaction: re-checks the rule (the user
	// may still add to g's project), takes g.Cost from the balance ("usage"
	// entry; EPAYMENT when short), inserts g and enqueues its job. With an
	// idempotency key the user used before, it returns that generation
	// instead and charges nothing, or, when that one was submitted with
	// another request (its RequestHash differs from g's), EIDEMPOTENCY.
	SubmitGeneration(ctx context.Context, g *Generation, idempotencyKey string, check Check) (existing *Generation, eff Effects, err error)
	// StartGeneration moves a pending generation to processing (noting
	// started_at) and returns it as it is now (unchanged if it was not
	// pending).
	StartGeneration(ctx context.Context, id uuid.UUID) (*Generation, Effects, error)
	// SaveProviderState keeps a provider's state for later attempts.
	SaveProviderState(ctx context.Context, id uuid.UUID, state []byte) (Effects, error)
	// CompleteGeneration moves a processing generation to completed with
	// its outputs, which take size bytes in storage; false if it was no
	// longer processing (cancelled).
	CompleteGeneration(ctx context.Context, id uuid.UUID, outputs []string, size int64) (bool, Effects, error)
	// FailGeneration marks a pending or processing generation failed and
	// refunds it; false if it had already ended.
	FailGeneration(ctx context.Context, id uuid.UUID, message string) (bool, Effects, error)
	// CancelGeneration cancels a pending or processing generation and
	// refunds it; ECONFLICT once it has ended.
	CancelGeneration(ctx context.Context, id uuid.UUID, check Check) (*Generation, Effects, error)
	// ToggleFavorite flips is_favorite.
	ToggleFavorite(ctx context.Context, id uuid.UUID, check Check) (*Generation, Effects, error)
	// DeleteGeneration deletes the row, refunding it if it had not ended;
	// ENOTFOUND when absent.
	DeleteGeneration(ctx context.Context, id uuid.UUID, check Check) (Effects, error)
}
