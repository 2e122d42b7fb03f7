package generate

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/fetch"
	"github.com/velro-ai/velro/service"
)

// Service is what users do with generations.
type Service struct {
	Store  ServiceStore
	Authz  velro.Authorizer
	Media  velro.MediaStore
	FALKey bool // FAL models are active only with a FAL key
	// Uploads keeps reference images sent by URL or in a form.
	Uploads *service.Uploads
	// Fetch fetches reference_image_urls under the outbound rules.
	Fetch *fetch.Client
}

// Models returns the catalog with each model's is_active for this server.
func (s *Service) Models() []velro.Model {
	out := velro.Catalog()
	for i := range out {
		out[i].IsActive = s.active(out[i])
	}
	return out
}

func (s *Service) active(m velro.Model) bool { return m.Provider != velro.ProviderFAL || s.FALKey }

// Model returns one model of the catalog with its is_active; ENOTFOUND for
// an unknown id.
func (s *Service) Model(id string) (velro.Model, error) {
	m, ok := velro.FindModel(id)
	if !ok {
		return velro.Model{}, velro.Errorf(velro.ENOTFOUND, "Model not found.")
	}
	m.IsActive = s.active(m)
	return m, nil
}

var errUnknownModel = velro.Invalid("model_id", "unknown model; see GET /api/v1/models")

// Quote is what a submit with these parameters would charge, and the
// normalised parameters it would send, for any model, active or not. It
// charges nothing.
func (s *Service) Quote(modelID string, params map[string]any) (velro.Quote, error) {
	model, ok := velro.FindModel(modelID)
	if !ok {
		return velro.Quote{}, errUnknownModel
	}
	return model.Quote(params)
}

// SubmitInput is a generation request.
type SubmitInput struct {
	ModelID        string
	Prompt         string
	NegativePrompt string
	Parameters     map[string]any
	ProjectID      *uuid.UUID
	IdempotencyKey string
	// ReferenceUploadIDs are uploads the user may read, used as reference
	// images; ReferenceImageURL is fetched into one more.
	ReferenceUploadIDs []uuid.UUID
	ReferenceImageURL  string
	// ParentGenerationID makes this a variation of a generation the user
	// may view; it inherits the parent's project unless one is given.
	ParentGenerationID *uuid.UUID
}

// mayAddGeneration: anyone signed in generates for themselves; into a
// project it takes the edit permission there.
func mayAddGeneration(actor uuid.UUID, project *uuid.UUID) velro.Check {
	if project == nil {
		return velro.NoRule
	}
	return velro.Allowed(actor, velro.ActionEdit, velro.KindProject, *project)
}

// Submit validates the request, checks the rule (mayGenerate), fetches a
// reference_image_url into an upload, and charges, inserts and enqueues the
// generation in one transaction. created is false when an earlier request
// with the same idempotency key is returned; the key with a different
// request is EIDEMPOTENCY.
func (s *Service) Submit(ctx context.Context, user uuid.UUID, in SubmitInput) (g *velro.Generation, created bool, err error) {
	model, ok := velro.FindModel(in.ModelID)
	if !ok {
		return nil, false, errUnknownModel
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
	// The charge is the price of exactly the parameters the provider gets.
	quote, err := model.Quote(in.Parameters)
	if err != nil {
		return nil, false, err
	}
	if !s.active(model) {
		return nil, false, velro.Errorf(velro.EPROVIDER, "The %s provider is not configured on this server.", model.Provider)
	}
	if err := checkReferenceCount(model, in); err != nil {
		return nil, false, err
	}
	if in.ParentGenerationID != nil {
		parent, err := s.find(ctx, user, velro.ActionView, *in.ParentGenerationID)
		if err != nil {
			return nil, false, err
		}
		if in.ProjectID == nil {
			in.ProjectID = parent.ProjectID
		}
	}
	// Refused before anything is fetched; checked again in the
	// transaction, with the fetched reference too.
	if err := mayGenerate(user, in.ProjectID, in.ReferenceUploadIDs, in.ParentGenerationID)(ctx, s.Authz); err != nil {
		return nil, false, err
	}
	references, err := s.references(ctx, user, in)
	if err != nil {
		return nil, false, err
	}
	refs := uploadIDs(references)
	rule := mayGenerate(user, in.ProjectID, refs, in.ParentGenerationID)
	now := velro.Now()
	g = &velro.Generation{ID: velro.NewID(), UserID: user, ProjectID: in.ProjectID, ModelID: model.ID, Prompt: in.Prompt,
		NegativePrompt: in.NegativePrompt, Parameters: quote.Parameters, Status: velro.StatusPending, Cost: quote.Cost,
		MediaType: model.Type, OutputURLs: []string{}, ReferenceUploadIDs: refs, ParentGenerationID: in.ParentGenerationID,
		CreatedAt: now, UpdatedAt: now}
	if in.IdempotencyKey != "" {
		if g.RequestHash, err = requestHash(g, references); err != nil {
			return nil, false, err
		}
	}
	existing, _, err := s.Store.SubmitGeneration(ctx, g, in.IdempotencyKey, rule)
	if err != nil {
		return nil, false, err
	}
	if existing != nil {
		return existing, false, nil
	}
	return g, true, nil
}

// Get returns a generation the actor may view.
func (s *Service) Get(ctx context.Context, actor, id uuid.UUID) (*velro.Generation, error) {
	return s.find(ctx, actor, velro.ActionView, id)
}

// ForDownload returns a generation whose outputs the actor may download.
func (s *Service) ForDownload(ctx context.Context, actor, id uuid.UUID) (*velro.Generation, error) {
	return s.find(ctx, actor, velro.ActionDownload, id)
}

func (s *Service) find(ctx context.Context, actor uuid.UUID, action velro.Action, id uuid.UUID) (*velro.Generation, error) {
	if err := velro.Allowed(actor, action, velro.KindGeneration, id)(ctx, s.Authz); err != nil {
		return nil, err
	}
	return s.Store.FindGeneration(ctx, id)
}

// What Follow reports when a stream must end.
var (
	ErrGone    = velro.Errorf(velro.ENOTFOUND, "The generation was deleted.")
	ErrRevoked = velro.Errorf(velro.ENOTFOUND, "You no longer have access to this generation.")
)

// Follow returns the generation as the actor may see it now, for a stream
// that re-reads it on every change: ErrGone once it is deleted, ErrRevoked
// once the actor may no longer view it.
func (s *Service) Follow(ctx context.Context, actor, id uuid.UUID) (*velro.Generation, error) {
	g, err := s.Store.FindGeneration(ctx, id)
	if velro.ErrorCode(err) == velro.ENOTFOUND {
		return nil, ErrGone
	} else if err != nil {
		return nil, err
	}
	switch err := velro.Allowed(actor, velro.ActionView, velro.KindGeneration, id)(ctx, s.Authz); velro.ErrorCode(err) {
	case "":
		return g, nil
	case velro.ENOTFOUND, velro.EFORBIDDEN:
		return nil, ErrRevoked
	default:
		return nil, err
	}
}

// List returns a page of the actor's own generations, or, with a project,
// of a project the actor may view, narrowed by the filter's other fields.
func (s *Service) List(ctx context.Context, actor uuid.UUID, f velro.GenerationFilter) ([]*velro.Generation, int, error) {
	if f.ProjectID != nil {
		if err := velro.Allowed(actor, velro.ActionView, velro.KindProject, *f.ProjectID)(ctx, s.Authz); err != nil {
			return nil, 0, err
		}
	}
	f.UserID, f.AnyUser = actor, false
	return s.Store.ListGenerations(ctx, f)
}

// ListEveryUsers returns a page of every user's generations (the admin
// console); the caller has checked that the actor is an admin.
func (s *Service) ListEveryUsers(ctx context.Context, f velro.GenerationFilter) ([]*velro.Generation, int, error) {
	f.AnyUser, f.ProjectID = true, nil
	return s.Store.ListGenerations(ctx, f)
}

// Stats counts the actor's own generations.
func (s *Service) Stats(ctx context.Context, actor uuid.UUID) (velro.GenerationStats, error) {
	return s.Store.GenerationStats(ctx, actor)
}

// mayChangeGeneration: favoriting and cancelling take the edit permission
// (the owner, or an editor of its project).
func mayChangeGeneration(actor, id uuid.UUID) velro.Check {
	return velro.Allowed(actor, velro.ActionEdit, velro.KindGeneration, id)
}

// Favorite toggles is_favorite.
func (s *Service) Favorite(ctx context.Context, actor, id uuid.UUID) (*velro.Generation, error) {
	rule := mayChangeGeneration(actor, id)
	if err := rule(ctx, s.Authz); err != nil {
		return nil, err
	}
	g, _, err := s.Store.ToggleFavorite(ctx, id, rule)
	return g, err
}

// Cancel cancels a generation in flight and refunds it.
func (s *Service) Cancel(ctx context.Context, actor, id uuid.UUID) (*velro.Generation, error) {
	rule := mayChangeGeneration(actor, id)
	if err := rule(ctx, s.Authz); err != nil {
		return nil, err
	}
	g, _, err := s.Store.CancelGeneration(ctx, id, rule)
	return g, err
}

// mayDeleteGeneration: the owner, and editors and admins of its project.
func mayDeleteGeneration(actor, id uuid.UUID) velro.Check {
	return velro.Allowed(actor, velro.ActionDeleteGeneration, velro.KindGeneration, id)
}

// Delete deletes a generation and its media; one in flight is refunded.
func (s *Service) Delete(ctx context.Context, actor, id uuid.UUID) error {
	rule := mayDeleteGeneration(actor, id)
	if err := rule(ctx, s.Authz); err != nil {
		return err
	}
	if _, err := s.Store.DeleteGeneration(ctx, id, rule); err != nil {
		return err
	}
	return s.Media.DeletePrefix(ctx, velro.GenerationPrefix(id))
}
