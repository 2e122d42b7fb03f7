package backup

import (
	"testing"

	"github.com/velro-ai/velro/internal/leaktest"
)

// TestMain fails the tests if any goroutine outlives them.
func TestMain(m *testing.M) {
	leaktest.VerifyTestMain(m)
}
