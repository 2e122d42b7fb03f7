package testenv

import (
	"os"
	"os/exec"
	"testing"

	"github.com/velro-ai/velro/internal/skipped"
)

// requireCommands skips the test unless every command is installed, or
// fails it when VELRO_TEST_REQUIRE_SERVICES=1. pkg is the Debian package
// that brings them.
func requireCommands(t testing.TB, pkg string, commands ...string) {
	t.Helper()
	for _, bin := range commands {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("VELRO_TEST_REQUIRE_SERVICES") == "1" {
				t.Fatalf("%s is not installed but VELRO_TEST_REQUIRE_SERVICES=1 (apt-get install %s)", bin, pkg)
			}
			skipped.Note(bin)
			t.Skipf("%s is not installed; skipping (apt-get install %s)", bin, pkg)
		}
	}
}

// Command is the path of an installed command; without it the test is
// skipped, or fails when VELRO_TEST_REQUIRE_SERVICES=1. pkg is the Debian
// package that brings it.
func Command(t testing.TB, pkg, bin string) string {
	t.Helper()
	requireCommands(t, pkg, bin)
	path, _ := exec.LookPath(bin) // found: requireCommands looked
	return path
}
