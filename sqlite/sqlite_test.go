package sqlite_test

import (
	"testing"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/storetest"
)

func TestConformance(t *testing.T) { storetest.Run(t, open) }

func BenchmarkSubmit(b *testing.B) { storetest.BenchmarkSubmit(b, open) }

// open is the suite's Opener for this engine.
func open(t testing.TB, timeout time.Duration) velro.Store {
	return testenv.Store(t, testenv.SQLite(t), timeout)
}
