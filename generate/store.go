package generate

import (
	"context"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/guard"
)

// ServiceStore is what Service needs of the (guarded) store.
type ServiceStore interface {
	guard.Guarded
	velro.GenerationReader
	SubmitGeneration(ctx context.Context, g *velro.Generation, idempotencyKey string, check velro.Check) (*velro.Generation, velro.Effects, error)
	CancelGeneration(ctx context.Context, id uuid.UUID, check velro.Check) (*velro.Generation, velro.Effects, error)
	ToggleFavorite(ctx context.Context, id uuid.UUID, check velro.Check) (*velro.Generation, velro.Effects, error)
	DeleteGeneration(ctx context.Context, id uuid.UUID, check velro.Check) (velro.Effects, error)
	FindUpload(ctx context.Context, id uuid.UUID) (*velro.Upload, error)
}

// JobStore is what the Worker and the Reaper need of the (guarded) store.
type JobStore interface {
	guard.Guarded
	velro.GenerationReader
	StartGeneration(ctx context.Context, id uuid.UUID) (*velro.Generation, velro.Effects, error)
	SaveProviderState(ctx context.Context, id uuid.UUID, state []byte) (velro.Effects, error)
	CompleteGeneration(ctx context.Context, id uuid.UUID, outputs []string, size int64) (bool, velro.Effects, error)
	FailGeneration(ctx context.Context, id uuid.UUID, message string) (bool, velro.Effects, error)
	FindUpload(ctx context.Context, id uuid.UUID) (*velro.Upload, error)
}
