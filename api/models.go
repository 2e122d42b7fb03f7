package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/generate"
)

// modelIDMux lets a {model_id} path parameter take the rest of the path:
// model ids contain slashes ("fal-ai/veo3").
type modelIDMux struct{ *http.ServeMux }

func (m modelIDMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.ServeMux.HandleFunc(strings.Replace(pattern, "{model_id}", "{model_id...}", 1), h)
}

type modelInput struct {
	ModelID string `path:"model_id" doc:"Model id, slashes included (fal-ai/veo3)"`
}

type modelOutput struct{ Body velro.Model }

func handleModel(gen *generate.Service) func(context.Context, *modelInput) (*modelOutput, error) {
	return func(_ context.Context, in *modelInput) (*modelOutput, error) {
		m, err := gen.Model(in.ModelID)
		if err != nil {
			return nil, err
		}
		return &modelOutput{Body: m}, nil
	}
}

type quoteInput struct {
	Body struct {
		ModelID    string         `json:"model_id" maxLength:"200"`
		Parameters map[string]any `json:"parameters,omitempty" doc:"Model parameters; see GET /api/v1/models"`
	}
}

type quoteOutput struct {
	Body struct {
		ModelID    string         `json:"model_id"`
		Cost       int64          `json:"cost" doc:"Exactly what a submit with these parameters charges"`
		Parameters map[string]any `json:"parameters" doc:"The normalised parameters a submit sends to the provider"`
	}
}

func handleQuote(gen *generate.Service) func(context.Context, *quoteInput) (*quoteOutput, error) {
	return func(_ context.Context, in *quoteInput) (*quoteOutput, error) {
		q, err := gen.Quote(in.Body.ModelID, in.Body.Parameters)
		if err != nil {
			return nil, err
		}
		out := &quoteOutput{}
		out.Body.ModelID, out.Body.Cost, out.Body.Parameters = in.Body.ModelID, q.Cost, q.Parameters
		return out, nil
	}
}
