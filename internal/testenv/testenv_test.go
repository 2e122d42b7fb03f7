package testenv

import (
	"testing"

	"github.com/velro-ai/velro/internal/skipped"
)

// TestSkipsAreCounted: a test skipped for want of PostgreSQL is counted,
// so that the package's run ends with a line saying so.
func TestSkipsAreCounted(t *testing.T) {
	t.Setenv("VELRO_TEST_DATABASE_URL", "")
	t.Setenv("VELRO_TEST_REQUIRE_SERVICES", "")
	before := skipped.Count("VELRO_TEST_DATABASE_URL")
	t.Run("needs PostgreSQL", func(t *testing.T) { PostgresURL(t) })
	if got := skipped.Count("VELRO_TEST_DATABASE_URL"); got != before+1 {
		t.Fatalf("%d skips counted, want %d", got, before+1)
	}
}
