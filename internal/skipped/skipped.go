// Package skipped counts the tests a package skipped for want of a service
// or a command (testenv skips them), and says so in one line when the
// package's tests end. go test prints a passing package's own output only
// with -v, so a plain "go test ./..." that skipped every PostgreSQL test
// would look like one that passed them: the line goes to the terminal.
package skipped

import (
	"fmt"
	"maps"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
)

var (
	mu   sync.Mutex
	need = map[string]int{} // what was missing -> tests skipped for it
)

// Note records that a test was skipped for want of what (an environment
// variable naming a service, or a command).
func Note(what string) {
	mu.Lock()
	defer mu.Unlock()
	need[what]++
}

// Count is how many tests were skipped for want of what.
func Count(what string) int {
	mu.Lock()
	defer mu.Unlock()
	return need[what]
}

// Line is the one line that tells of pkg's skipped tests, "" when none were.
func Line(pkg string) string {
	mu.Lock()
	defer mu.Unlock()
	total, parts := 0, []string{}
	for _, what := range slices.Sorted(maps.Keys(need)) {
		total += need[what]
		parts = append(parts, fmt.Sprintf("%d without %s", need[what], what))
	}
	if total == 0 {
		return ""
	}
	return fmt.Sprintf("%s: skipped %d tests (%s); README.md, \"Test\", says how to run them\n", pkg, total, strings.Join(parts, ", "))
}

// Report writes the test binary's Line to the terminal, or to stdout when
// there is none (shown with -v or when the package fails).
func Report() {
	pkg := "tests"
	if bi, ok := debug.ReadBuildInfo(); ok {
		pkg = strings.TrimSuffix(bi.Path, ".test")
	}
	line := Line(pkg)
	if line == "" {
		return
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		tty.WriteString(line)
		return
	}
	os.Stdout.WriteString(line)
}
