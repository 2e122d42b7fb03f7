package main

import (
	"os"
	"testing"

	"github.com/velro-ai/velro/internal/leaktest"
)

// TestMain fails the tests if any goroutine outlives them. The crash and
// shutdown tests run the real program in a child process they can signal
// or kill: the test binary runs main when asked to.
func TestMain(m *testing.M) {
	if os.Getenv("VELRO_TEST_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	leaktest.VerifyTestMain(m)
}
