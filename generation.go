package velro

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Generation statuses.
const (
	StatusPending    = "pending"
	StatusProcessing = "processing"
	StatusCompleted  = "completed"
	StatusFailed     = "failed"
	StatusCancelled  = "cancelled"
)

// Terminal reports whether a generation in status s will not change again.
func Terminal(s string) bool {
	return s == StatusCompleted || s == StatusFailed || s == StatusCancelled
}

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
	Status         string         `json:"status" enum:"pending,processing,completed,failed,cancelled"`
	Cost           int64          `json:"cost"`
	MediaType      string         `json:"media_type" enum:"image,video"`
	OutputURLs     []string       `json:"output_urls"`
	IsFavorite     bool           `json:"is_favorite"`
	ErrorMessage   *string        `json:"error_message"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
	CompletedAt    *time.Time     `json:"completed_at"`
}

// GenerationStore keeps generations.
type GenerationStore interface {
	// CreateGeneration inserts g as it is, charging nothing.
	CreateGeneration(ctx context.Context, g *Generation) error
	// FindGeneration returns ENOTFOUND when absent.
	FindGeneration(ctx context.Context, id uuid.UUID) (*Generation, error)
	// DeleteGeneration deletes the row; ENOTFOUND when absent.
	DeleteGeneration(ctx context.Context, id uuid.UUID) (AccessChange, error)
}
