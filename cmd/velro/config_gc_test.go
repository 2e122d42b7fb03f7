package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMalformedGCVariables: velro refuses a malformed GOGC (Go would read
// it as 100) in one line with exit status 2, the way Go's runtime refuses
// a malformed GOMEMLIMIT before velro runs (the settings table says so).
func TestMalformedGCVariables(t *testing.T) {
	cases := []struct{ env, want string }{
		{"GOGC=abc", `velro: GOGC "abc" is not a whole number or off: set a percentage like 400, or unset it for velro's default` + "\n"},
		{"GOGC=+400", `velro: GOGC "+400" is not a whole number or off: set a percentage like 400, or unset it for velro's default` + "\n"}, // Go reads no sign but "-"
		{"GOMEMLIMIT=abc", "GOMEMLIMIT=abc\nfatal error: malformed GOMEMLIMIT"},
	}
	for _, tc := range cases {
		cmd := exec.Command(os.Args[0], "version")
		cmd.Env = append(os.Environ(), "VELRO_TEST_RUN_MAIN=1", tc.env)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || stdout.Len() > 0 {
			t.Errorf("%s: %v, printed %q", tc.env, err, stdout.String())
		}
		if got := stderr.String(); !strings.HasPrefix(got, tc.want) || strings.HasSuffix(tc.want, "\n") && got != tc.want {
			t.Errorf("%s: stderr %q", tc.env, got)
		}
	}
}
