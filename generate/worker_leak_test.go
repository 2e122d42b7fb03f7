package generate_test

import (
	"testing"

	"github.com/velro-ai/velro/generate"
	"github.com/velro-ai/velro/media"
	"go.uber.org/goleak"
)

// TestWorkerLeavesNoGoroutine: each attempt watches its generation for a
// cancellation; the watch ends with the attempt.
func TestWorkerLeavesNoGoroutine(t *testing.T) {
	dir, err := media.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w, s, u := setup(t, &generate.Local{}, dir)
	before := goleak.IgnoreCurrent()
	for range 50 {
		if err := w.Run(t.Context(), submitted(t, s, u), 1, 3); err != nil {
			t.Fatal(err)
		}
	}
	goleak.VerifyNone(t, before)
}
