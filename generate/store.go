package generate

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/guard"
)

// ServiceStore is what Service needs of the (guarded) store.
type ServiceStore interface {
	guard.Guarded
	SubmitGeneration(ctx context.Context, g *velro.Generation, idempotencyKey string, check velro.Check) (*velro.Generation, error)
	FindGeneration(ctx context.Context, id uuid.UUID) (*velro.Generation, error)
	ListGenerations(ctx context.Context, f velro.GenerationFilter) ([]*velro.Generation, int, error)
	GenerationStats(ctx context.Context, userID uuid.UUID) (velro.GenerationStats, error)
	CancelGeneration(ctx context.Context, id uuid.UUID, check velro.Check) (*velro.Generation, error)
	ToggleFavorite(ctx context.Context, id uuid.UUID, check velro.Check) (*velro.Generation, error)
	DeleteGeneration(ctx context.Context, id uuid.UUID, check velro.Check) (velro.AccessChange, error)
	FindUpload(ctx context.Context, id uuid.UUID) (*velro.Upload, error)
}

// JobStore is what the Worker and the Reaper need of the (guarded) store.
type JobStore interface {
	guard.Guarded
	StartGeneration(ctx context.Context, id uuid.UUID) (*velro.Generation, error)
	FindGeneration(ctx context.Context, id uuid.UUID) (*velro.Generation, error)
	ProviderState(ctx context.Context, id uuid.UUID) ([]byte, error)
	SaveProviderState(ctx context.Context, id uuid.UUID, state []byte) error
	CompleteGeneration(ctx context.Context, id uuid.UUID, outputs []string, size int64) (bool, error)
	FailGeneration(ctx context.Context, id uuid.UUID, message string) (bool, error)
	StaleGenerations(ctx context.Context, before time.Time, limit int) ([]uuid.UUID, error)
	FindUpload(ctx context.Context, id uuid.UUID) (*velro.Upload, error)
}
