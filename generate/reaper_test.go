package generate_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/generate"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/storetest"
)

func TestReaperFailsLostGenerationsOnce(t *testing.T) {
	s := testenv.Guard(testenv.Store(t, testenv.SQLite(t), 0))
	u := storetest.NewUser(t, s, "lost@example.com")
	now := velro.Now()
	g := &velro.Generation{ID: velro.NewID(), UserID: u.ID, ModelID: "local/image", Prompt: "p", Parameters: map[string]any{},
		Status: velro.StatusPending, Cost: 5, MediaType: "image", OutputURLs: []string{}, CreatedAt: now, UpdatedAt: now}
	if _, _, err := s.SubmitGeneration(t.Context(), g, "", velro.NoRule); err != nil {
		t.Fatal(err)
	}

	young := &generate.Reaper{Store: s, Log: slog.New(slog.DiscardHandler), After: time.Hour}
	old := &generate.Reaper{Store: s, Log: slog.New(slog.DiscardHandler), After: -time.Second}
	for _, r := range []*generate.Reaper{young, old, old} {
		r.Reap(t.Context())
	}
	got, err := s.FindGeneration(t.Context(), g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != velro.StatusFailed {
		t.Fatalf("status %s", got.Status)
	}
	list, _, _ := s.ListCreditTransactions(t.Context(), u.ID, velro.Page{Limit: 10})
	refunds := 0
	for _, e := range list {
		if e.Type == velro.CreditRefund {
			refunds++
		}
	}
	if refunds != 1 {
		t.Fatalf("%d refunds", refunds)
	}
}
