// Package leaktest fails a package's tests when a goroutine outlives them
// (go.uber.org/goleak), knowing the libraries' background goroutines that
// are not leaks.
package leaktest

import (
	"os"
	"slices"
	"testing"

	"github.com/velro-ai/velro/internal/skipped"
	"go.uber.org/goleak"
)

// notLeaks are library goroutines that end on their own.
var notLeaks = []goleak.Option{
	// otter runs one clean-up goroutine per cache that holds the cache only
	// weakly and returns at its first tick (every second) after the cache
	// has been garbage collected: a cache dropped at a test's end is not
	// collected before goleak looks.
	goleak.IgnoreTopFunction("github.com/maypok86/otter/v2.periodicCleanUp[...]"),
}

// VerifyTestMain runs the tests, then fails if any goroutine is left, and
// says in one line which tests were skipped for want of a service.
func VerifyTestMain(m *testing.M) {
	report := goleak.Cleanup(func(code int) {
		skipped.Report()
		os.Exit(code)
	})
	goleak.VerifyTestMain(m, slices.Concat(notLeaks, []goleak.Option{report})...)
}

// VerifyNone fails t if goroutines other than those allowed are running.
func VerifyNone(t testing.TB, allowed ...goleak.Option) {
	t.Helper()
	goleak.VerifyNone(t, append(allowed, notLeaks...)...)
}
