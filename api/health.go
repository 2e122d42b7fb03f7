package api

import (
	"context"
	"net/http"
	"sync"

	"github.com/velro-ai/velro"
)

type healthOutput struct {
	Body struct {
		Status  string `json:"status" enum:"healthy"`
		Version string `json:"version"`
	}
}

// handleHealth is liveness: it answers while the process runs and checks
// no dependency.
func handleHealth() func(context.Context, *struct{}) (*healthOutput, error) {
	return func(context.Context, *struct{}) (*healthOutput, error) {
		out := &healthOutput{}
		out.Body.Status, out.Body.Version = "healthy", velro.Version
		return out, nil
	}
}

// DependencyState is one dependency's line in the readiness report.
type DependencyState struct {
	Status   string `json:"status" enum:"up,down"`
	Required bool   `json:"required"`
	Error    string `json:"error,omitempty"`
}

type readyOutput struct {
	Status int `json:"-"`
	Body   struct {
		Status       string                     `json:"status" enum:"ready,degraded,unavailable"`
		Dependencies map[string]DependencyState `json:"dependencies"`
	}
}

// handleReady checks every dependency at once: 200 while the required ones
// answer (degraded if an optional one does not), 503 otherwise.
func handleReady(deps []Dependency) func(context.Context, *struct{}) (*readyOutput, error) {
	return func(ctx context.Context, _ *struct{}) (*readyOutput, error) {
		out := &readyOutput{Status: http.StatusOK}
		out.Body.Status = "ready"
		out.Body.Dependencies = make(map[string]DependencyState, len(deps))
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, d := range deps {
			wg.Go(func() {
				state := DependencyState{Status: "up", Required: d.Required}
				if err := d.Ping(ctx); err != nil {
					state.Status, state.Error = "down", velro.ErrorMessage(err)
				}
				mu.Lock()
				defer mu.Unlock()
				out.Body.Dependencies[d.Name] = state
				switch {
				case state.Status == "up":
				case d.Required:
					out.Status, out.Body.Status = http.StatusServiceUnavailable, "unavailable"
				case out.Body.Status == "ready":
					out.Body.Status = "degraded"
				}
			})
		}
		wg.Wait()
		return out, nil
	}
}
