package storetest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// NewGeneration creates a pending generation of user, in a project or not.
func NewGeneration(t testing.TB, s velro.Store, user uuid.UUID, project *uuid.UUID) *velro.Generation {
	t.Helper()
	now := velro.Now()
	g := &velro.Generation{ID: velro.NewID(), UserID: user, ProjectID: project, ModelID: "local/image", Prompt: "a red fox",
		Parameters: map[string]any{"width": 512.0}, Status: velro.StatusPending, Cost: 5, MediaType: "image",
		OutputURLs: []string{}, CreatedAt: now, UpdatedAt: now}
	must(t, s.CreateGeneration(ctx(t), g))
	return g
}

func testGenerationRows(t *testing.T, open Opener) {
	s := open(t, 0)
	u := NewUser(t, s, "gen@example.com")
	g := NewGeneration(t, s, u.ID, nil)
	got, err := s.FindGeneration(ctx(t), g.ID)
	must(t, err)
	if got.UserID != u.ID || got.ProjectID != nil || got.Prompt != "a red fox" || got.Parameters["width"] != 512.0 ||
		got.Status != velro.StatusPending || got.IsFavorite || got.ErrorMessage != nil || got.CompletedAt != nil ||
		len(got.OutputURLs) != 0 || !got.CreatedAt.Equal(g.CreatedAt) {
		t.Fatalf("found generation %+v", got)
	}
	change, err := s.DeleteGeneration(ctx(t), g.ID, velro.NoRule)
	must(t, err)
	if len(change.Generations) != 1 {
		t.Fatalf("delete change %+v", change)
	}
	_, err = s.FindGeneration(ctx(t), g.ID)
	wantCode(t, err, velro.ENOTFOUND)
	_, err = s.DeleteGeneration(ctx(t), g.ID, velro.NoRule)
	wantCode(t, err, velro.ENOTFOUND)
}
