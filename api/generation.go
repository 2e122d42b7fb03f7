package api

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/generate"
	"github.com/velro-ai/velro/service"
)

type generationOutput struct {
	Replayed string `header:"Idempotent-Replayed" doc:"true when an earlier request with this Idempotency-Key is returned"`
	Body     *velro.Generation
}

type submitInput struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"Retries with the same key return the same generation, charged once; the same key with a different request answers 422 idempotency_key_reused"`
	Body           struct {
		ModelID        string         `json:"model_id" maxLength:"200"`
		Prompt         string         `json:"prompt" minLength:"1" maxLength:"2000"`
		NegativePrompt string         `json:"negative_prompt,omitempty" maxLength:"1000"`
		Parameters     map[string]any `json:"parameters,omitempty" doc:"Model parameters; see GET /api/v1/models"`
		ProjectID      string         `json:"project_id,omitempty" format:"uuid" doc:"Needs edit permission on the project"`
		// Image inputs.
		ReferenceUploadIDs []string `json:"reference_upload_ids,omitempty" maxItems:"4" doc:"Uploads you may read, as reference images (image-input models need one)"`
		ReferenceImageURL  string   `json:"reference_image_url,omitempty" maxLength:"2048" doc:"An https URL Velro fetches into an upload of yours, as a reference image"`
		ParentGenerationID string   `json:"parent_generation_id,omitempty" format:"uuid" doc:"Make this a variation of a generation you may view; it inherits that generation's project unless project_id is given"`
	}
}

func handleSubmit(gen *generate.Service) func(context.Context, *submitInput) (*generationOutput, error) {
	return func(ctx context.Context, in *submitInput) (*generationOutput, error) {
		req := generate.SubmitInput{ModelID: in.Body.ModelID, Prompt: in.Body.Prompt, NegativePrompt: in.Body.NegativePrompt,
			Parameters: in.Body.Parameters, IdempotencyKey: in.IdempotencyKey, ReferenceImageURL: in.Body.ReferenceImageURL}
		var err error
		if req.ProjectID, err = optionalID("project_id", in.Body.ProjectID); err != nil {
			return nil, err
		}
		if req.ParentGenerationID, err = optionalID("parent_generation_id", in.Body.ParentGenerationID); err != nil {
			return nil, err
		}
		for _, raw := range in.Body.ReferenceUploadIDs {
			id, err := parseID("reference_upload_ids", raw)
			if err != nil {
				return nil, err
			}
			req.ReferenceUploadIDs = append(req.ReferenceUploadIDs, id)
		}
		g, created, err := gen.Submit(ctx, principal(ctx).UserID, req)
		if err != nil {
			return nil, err
		}
		out := &generationOutput{Body: g}
		if !created {
			out.Replayed = "true"
		}
		return out, nil
	}
}

type listGenerationsInput struct {
	PageInput
	ProjectID string `query:"project_id" format:"uuid" doc:"List a readable project's generations instead of your own"`
	ModelID   string `query:"model_id" maxLength:"200" doc:"Only this model's"`
	Status    string `query:"status" enum:"pending,processing,completed,failed,cancelled" doc:"Only those with this status"`
	Favorite  string `query:"favorite" enum:"true,false" doc:"Only favourites (true) or only the others (false)"`
}

type generationsOutput struct {
	Body struct {
		Generations []*velro.Generation `json:"generations"`
		PageInfo
	}
}

func handleListGenerations(gen *generate.Service) func(context.Context, *listGenerationsInput) (*generationsOutput, error) {
	return func(ctx context.Context, in *listGenerationsInput) (*generationsOutput, error) {
		project, err := optionalID("project_id", in.ProjectID)
		if err != nil {
			return nil, err
		}
		f := velro.GenerationFilter{ProjectID: project, ModelID: in.ModelID, Page: in.page()}
		if in.Status != "" {
			f.Statuses = []velro.Status{velro.Status(in.Status)}
		}
		if in.Favorite != "" {
			favorite := in.Favorite == "true"
			f.Favorite = &favorite
		}
		list, total, err := gen.List(ctx, principal(ctx).UserID, f)
		if err != nil {
			return nil, err
		}
		out := &generationsOutput{}
		out.Body.Generations, out.Body.PageInfo = list, in.info(total)
		return out, nil
	}
}

type generationStatsOutput struct{ Body velro.GenerationStats }

func handleGenerationStats(gen *generate.Service) func(context.Context, *struct{}) (*generationStatsOutput, error) {
	return func(ctx context.Context, _ *struct{}) (*generationStatsOutput, error) {
		st, err := gen.Stats(ctx, principal(ctx).UserID)
		if err != nil {
			return nil, err
		}
		return &generationStatsOutput{Body: st}, nil
	}
}

// generationAction is a generation endpoint that acts on one generation
// and answers it: get, favorite, cancel.
func generationAction(act func(ctx context.Context, actor, id uuid.UUID) (*velro.Generation, error)) func(context.Context, *IDPath) (*generationOutput, error) {
	return func(ctx context.Context, in *IDPath) (*generationOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		g, err := act(ctx, principal(ctx).UserID, id)
		if err != nil {
			return nil, err
		}
		return &generationOutput{Body: g}, nil
	}
}

func handleDeleteGeneration(gen *generate.Service) func(context.Context, *IDPath) (*messageOutput, error) {
	return func(ctx context.Context, in *IDPath) (*messageOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		if err := gen.Delete(ctx, principal(ctx).UserID, id); err != nil {
			return nil, err
		}
		return message("Generation deleted successfully"), nil
	}
}

// modelsOutput lists models.
type modelsOutput struct {
	Body struct {
		Models []velro.Model `json:"models"`
	}
}

type modelsInput struct {
	ModelType velro.MediaType `query:"model_type" enum:"image,video"`
}

func handleModels(gen *generate.Service) func(context.Context, *modelsInput) (*modelsOutput, error) {
	return func(_ context.Context, in *modelsInput) (*modelsOutput, error) {
		out := &modelsOutput{}
		out.Body.Models = []velro.Model{}
		for _, m := range gen.Models() {
			if in.ModelType == "" || m.Type == in.ModelType {
				out.Body.Models = append(out.Body.Models, m)
			}
		}
		return out, nil
	}
}

// SupportedModel is an entry of GET /generations/models/supported.
type SupportedModel struct {
	ModelID     string                     `json:"model_id"`
	Name        string                     `json:"name"`
	Type        velro.MediaType            `json:"type"`
	Credits     int64                      `json:"credits"`
	Provider    string                     `json:"provider"`
	IsActive    bool                       `json:"is_active"`
	Description string                     `json:"description"`
	Parameters  map[string]velro.ParamSpec `json:"parameters"`
	Inputs      []velro.Input              `json:"inputs"`
	Pricing     velro.Pricing              `json:"pricing"`
}

type supportedOutput struct {
	Body struct {
		Models []SupportedModel `json:"models"`
	}
}

func handleSupportedModels(gen *generate.Service) func(context.Context, *struct{}) (*supportedOutput, error) {
	return func(context.Context, *struct{}) (*supportedOutput, error) {
		out := &supportedOutput{}
		for _, m := range gen.Models() {
			out.Body.Models = append(out.Body.Models, SupportedModel{ModelID: m.ID, Name: m.Name, Type: m.Type, Credits: m.CreditsCost,
				Provider: m.Provider, IsActive: m.IsActive, Description: m.Description, Parameters: m.Parameters,
				Inputs: m.Inputs, Pricing: m.Pricing})
		}
		return out, nil
	}
}

type adminGenerationsInput struct {
	PageInput
	Status string `query:"status" enum:"pending,processing,failed" doc:"Only those with this status; without it, those in flight (pending and processing) and failed"`
	Since  string `query:"since" format:"date-time" doc:"Only those created at or after this time (RFC 3339)"`
}

// handleAdminGenerations lists every user's generations in flight or
// failed, for the admin console; each carries its user_id and
// error_message.
func handleAdminGenerations(accounts *service.Accounts, gen *generate.Service) func(context.Context, *adminGenerationsInput) (*generationsOutput, error) {
	return func(ctx context.Context, in *adminGenerationsInput) (*generationsOutput, error) {
		if _, err := accounts.RequireAdmin(ctx, principal(ctx).UserID, "see every user's generations"); err != nil {
			return nil, err
		}
		f := velro.GenerationFilter{Statuses: []velro.Status{velro.StatusPending, velro.StatusProcessing, velro.StatusFailed}, Page: in.page()}
		if in.Status != "" {
			f.Statuses = []velro.Status{velro.Status(in.Status)}
		}
		if in.Since != "" {
			since, err := time.Parse(time.RFC3339, in.Since)
			if err != nil {
				return nil, velro.Invalid("since", "must be an RFC 3339 time")
			}
			f.Since = since
		}
		list, total, err := gen.ListEveryUsers(ctx, f)
		if err != nil {
			return nil, err
		}
		out := &generationsOutput{}
		out.Body.Generations, out.Body.PageInfo = list, in.info(total)
		return out, nil
	}
}
