package generate

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
)

// Service is what the generation endpoints do, beyond reading.
type Service struct {
	Store  velro.Store
	Authz  *authz.Engine
	Media  velro.MediaStore
	Bus    velro.Bus
	FALKey bool // FAL models are active only with a FAL key
}

// Models returns the catalog with each model's is_active for this server.
func (s *Service) Models() []velro.Model {
	out := make([]velro.Model, len(velro.Catalog))
	for i, m := range velro.Catalog {
		m.IsActive = s.active(m)
		out[i] = m
	}
	return out
}

func (s *Service) active(m velro.Model) bool { return m.Provider != velro.ProviderFAL || s.FALKey }

// SubmitInput is a generation request.
type SubmitInput struct {
	ModelID        string
	Prompt         string
	NegativePrompt string
	Parameters     map[string]any
	ProjectID      *uuid.UUID
	IdempotencyKey string
}

// Submit validates the request, checks the project permission, and charges,
// inserts and enqueues the generation in one transaction. created is false
// when an earlier request with the same idempotency key is returned.
func (s *Service) Submit(ctx context.Context, user uuid.UUID, in SubmitInput) (g *velro.Generation, created bool, err error) {
	model, ok := velro.FindModel(in.ModelID)
	if !ok {
		return nil, false, velro.Invalid("model_id", "unknown model; see GET /api/v1/models")
	}
	in.Prompt = strings.TrimSpace(in.Prompt)
	if n := utf8.RuneCountInString(in.Prompt); n == 0 || n > 2000 {
		return nil, false, velro.Invalid("prompt", "must be 1 to 2000 characters and not blank")
	}
	if utf8.RuneCountInString(in.NegativePrompt) > 1000 {
		return nil, false, velro.Invalid("negative_prompt", "must be at most 1000 characters")
	}
	if len(in.IdempotencyKey) > 200 {
		return nil, false, velro.Invalid("Idempotency-Key", "must be at most 200 characters")
	}
	params, err := model.CoerceParameters(in.Parameters)
	if err != nil {
		return nil, false, err
	}
	if !s.active(model) {
		return nil, false, velro.Errorf(velro.EPROVIDER, "The %s provider is not configured on this server.", model.Provider)
	}
	if in.ProjectID != nil {
		if _, err := s.Authz.Require(ctx, user, velro.ActionEdit, velro.KindProject, *in.ProjectID); err != nil {
			return nil, false, err
		}
	}
	now := velro.Now()
	g = &velro.Generation{ID: velro.NewID(), UserID: user, ProjectID: in.ProjectID, ModelID: model.ID, Prompt: in.Prompt,
		NegativePrompt: in.NegativePrompt, Parameters: params, Status: velro.StatusPending, Cost: model.CreditsCost,
		MediaType: model.Type, OutputURLs: []string{}, CreatedAt: now, UpdatedAt: now}
	existing, err := s.Store.SubmitGeneration(ctx, g, in.IdempotencyKey)
	if err != nil {
		return nil, false, err
	}
	if existing != nil {
		return existing, false, nil
	}
	return g, true, nil
}

// Cancel cancels a generation in flight and refunds it (editors and up).
func (s *Service) Cancel(ctx context.Context, user, id uuid.UUID) (*velro.Generation, error) {
	if _, err := s.Authz.Require(ctx, user, velro.ActionEdit, velro.KindGeneration, id); err != nil {
		return nil, err
	}
	g, err := s.Store.CancelGeneration(ctx, id)
	if err != nil {
		return nil, err
	}
	s.announce(ctx, id, velro.StatusCancelled)
	return g, nil
}

// Delete deletes a generation and its media (editors and up); one in
// flight is refunded.
func (s *Service) Delete(ctx context.Context, user, id uuid.UUID) error {
	if _, err := s.Authz.Require(ctx, user, velro.ActionDeleteGeneration, velro.KindGeneration, id); err != nil {
		return err
	}
	if _, err := s.Store.DeleteGeneration(ctx, id); err != nil {
		return err
	}
	s.announce(ctx, id, velro.StatusDeleted)
	return s.Media.DeletePrefix(ctx, MediaPrefix(id))
}

func (s *Service) announce(ctx context.Context, id uuid.UUID, status velro.Status) {
	_ = s.Bus.Publish(ctx, velro.Event{Statuses: []velro.StatusChange{{ID: id, Status: status}}})
}
