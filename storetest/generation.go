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
	must(t, errOf(s.CreateGeneration(ctx(t), g)))
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
	if got.StartedAt != nil || got.ProcessingTimeMS != nil || got.ParentGenerationID != nil || got.ReferenceUploadIDs == nil ||
		len(got.ReferenceUploadIDs) != 0 {
		t.Fatalf("new generation's inputs and times %+v", got)
	}

	// A variation with references keeps both.
	ref := NewUpload(t, s, u.ID, nil, 10)
	now := velro.Now()
	variation := &velro.Generation{ID: velro.NewID(), UserID: u.ID, ModelID: "local/image-edit", Prompt: "again", Parameters: map[string]any{},
		Status: velro.StatusPending, Cost: 5, MediaType: "image", OutputURLs: []string{}, ReferenceUploadIDs: []uuid.UUID{ref.ID},
		ParentGenerationID: &g.ID, CreatedAt: now, UpdatedAt: now}
	must(t, errOf(s.CreateGeneration(ctx(t), variation)))
	got, err = s.FindGeneration(ctx(t), variation.ID)
	must(t, err)
	if *got.ParentGenerationID != g.ID || len(got.ReferenceUploadIDs) != 1 || got.ReferenceUploadIDs[0] != ref.ID {
		t.Fatalf("variation %+v", got)
	}

	eff, err := s.DeleteGeneration(ctx(t), g.ID, velro.NoRule)
	must(t, err)
	if len(eff.Access.Generations) != 1 {
		t.Fatalf("delete change %+v", eff)
	}
	_, err = s.FindGeneration(ctx(t), g.ID)
	wantCode(t, err, velro.ENOTFOUND)
	_, err = s.DeleteGeneration(ctx(t), g.ID, velro.NoRule)
	wantCode(t, err, velro.ENOTFOUND)
	// Deleting the parent leaves the variation, without a parent.
	if got, err := s.FindGeneration(ctx(t), variation.ID); err != nil || got.ParentGenerationID != nil {
		t.Fatalf("variation of a deleted generation: %+v %v", got, err)
	}
}
