package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/velro-ai/velro/internal/skipped"
)

// StripeMock starts stripe-mock (github.com/stripe/stripe-mock, a
// Stripe-compatible API server: `go install github.com/stripe/stripe-mock@latest`)
// on a free port for the test and returns its base URL. Without it the
// test is skipped, or fails when VELRO_TEST_REQUIRE_SERVICES=1.
func StripeMock(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("stripe-mock")
	if err != nil { // go install puts it in GOPATH/bin, often not on PATH
		home, _ := os.UserHomeDir()
		gobin := filepath.Join(home, "go", "bin", "stripe-mock")
		if p := os.Getenv("GOPATH"); p != "" {
			gobin = filepath.Join(p, "bin", "stripe-mock")
		}
		if _, serr := os.Stat(gobin); serr == nil {
			bin, err = gobin, nil
		}
	}
	if err != nil {
		if os.Getenv("VELRO_TEST_REQUIRE_SERVICES") == "1" {
			t.Fatal("stripe-mock is not installed but VELRO_TEST_REQUIRE_SERVICES=1 (go install github.com/stripe/stripe-mock@latest)")
		}
		skipped.Note("stripe-mock")
		t.Skip("stripe-mock is not installed; skipping (go install github.com/stripe/stripe-mock@latest)")
	}
	addr := fmt.Sprintf("127.0.0.1:%d", freePorts(t, 1)[0])
	cmd := exec.Command(bin, "-http-addr", addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return "http://" + addr
		} else if time.Now().After(deadline) {
			t.Fatalf("stripe-mock did not listen on %s: %v", addr, err)
		}
	}
}
