package sqlstore

import (
	"context"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

const generationColumns = `id, user_id, project_id, model_id, prompt, negative_prompt, parameters, status, cost, media_type,
	output_urls, is_favorite, error_message, reference_upload_ids, parent_generation_id, created_at, updated_at, started_at, completed_at`

func scanGeneration(row Row) (*velro.Generation, error) {
	var g velro.Generation
	var project, parent uuid.NullUUID
	err := row.Scan(&g.ID, &g.UserID, &project, &g.ModelID, &g.Prompt, &g.NegativePrompt, jsonValue{&g.Parameters},
		&g.Status, &g.Cost, &g.MediaType, jsonValue{&g.OutputURLs}, &g.IsFavorite, &g.ErrorMessage,
		jsonValue{&g.ReferenceUploadIDs}, &parent, utc{&g.CreatedAt}, utc{&g.UpdatedAt}, nullUTC{&g.StartedAt}, nullUTC{&g.CompletedAt})
	if err != nil {
		return nil, notFound(err, "Generation")
	}
	if project.Valid {
		g.ProjectID = &project.UUID
	}
	if parent.Valid {
		g.ParentGenerationID = &parent.UUID
	}
	if g.ReferenceUploadIDs == nil {
		g.ReferenceUploadIDs = []uuid.UUID{}
	}
	if g.StartedAt != nil && g.CompletedAt != nil {
		ms := g.CompletedAt.Sub(*g.StartedAt).Milliseconds()
		g.ProcessingTimeMS = &ms
	}
	if g.Parameters == nil {
		g.Parameters = map[string]any{}
	}
	if g.OutputURLs == nil {
		g.OutputURLs = []string{}
	}
	return &g, nil
}

// insertGeneration writes g in tx, with the idempotency key and the
// request's hash if there is a key.
func insertGeneration(ctx context.Context, tx Querier, g *velro.Generation, idempotencyKey *string) error {
	var requestHash *string
	if idempotencyKey != nil {
		requestHash = &g.RequestHash
	}
	params, err := jsonText(g.Parameters)
	if err != nil {
		return err
	}
	outputs, err := jsonText(g.OutputURLs)
	if err != nil {
		return err
	}
	if g.ReferenceUploadIDs == nil {
		g.ReferenceUploadIDs = []uuid.UUID{}
	}
	refs, err := jsonText(g.ReferenceUploadIDs)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO generations (`+generationColumns+`, idempotency_key, request_hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
		g.ID, g.UserID, uuidOrNil(g.ProjectID), g.ModelID, g.Prompt, g.NegativePrompt, params, g.Status, g.Cost, g.MediaType,
		outputs, g.IsFavorite, g.ErrorMessage, refs, uuidOrNil(g.ParentGenerationID), g.CreatedAt, g.UpdatedAt, g.StartedAt, g.CompletedAt,
		idempotencyKey, requestHash)
	return err
}

// CreateGeneration implements velro.Store. A new row is in no cache and
// moves no credits: no effects.
func (s *Store) CreateGeneration(ctx context.Context, g *velro.Generation) (velro.Effects, error) {
	return velro.Effects{}, s.write(ctx, func(ctx context.Context, tx Querier) error {
		return insertGeneration(ctx, tx, g, nil)
	})
}

// FindGeneration implements velro.Store.
func (s *Store) FindGeneration(ctx context.Context, id uuid.UUID) (g *velro.Generation, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		g, err = scanGeneration(q.QueryRow(ctx, `SELECT `+generationColumns+` FROM generations WHERE id = $1`, id))
		return err
	})
	return g, err
}

// DeleteGeneration implements velro.Store. A generation still in
// flight is refunded first. The access change names the generation's
// project too: cached decisions on a generation in a project are kept, and
// dropped, with the project's.
func (s *Store) DeleteGeneration(ctx context.Context, id uuid.UUID, check velro.Check) (eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		if err := runCheck(ctx, tx, check); err != nil {
			return err
		}
		_, refund, err := endGeneration(ctx, tx, id, velro.StatusCancelled, nil)
		if err != nil {
			return err
		}
		var project uuid.NullUUID
		if err := tx.QueryRow(ctx, `DELETE FROM generations WHERE id = $1 RETURNING project_id`, id).Scan(&project); err != nil {
			return notFound(err, "Generation")
		}
		eff = velro.Effects{Access: velro.AccessChange{Generations: []uuid.UUID{id}}, Users: refund.Users,
			Generations: []uuid.UUID{id}, Statuses: statuses([]uuid.UUID{id}, velro.StatusDeleted)}
		if project.Valid {
			eff.Access.Projects = []uuid.UUID{project.UUID}
		}
		return nil
	})
	return eff, err
}
