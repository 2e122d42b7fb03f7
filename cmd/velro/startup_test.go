package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runMain runs the real program in a child process (TestMain runs main
// there) and returns its exit code, stdout and stderr: what a person at a
// terminal sees, the libraries' own writes to the process's stderr
// included.
func runMain(t *testing.T, e env, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	// A server that starts when it should not is stopped, and fails.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), "VELRO_TEST_RUN_MAIN=1", "DATABASE_URL=", "REDIS_URL=", "VELRO_ADDR=127.0.0.1:0")
	for k, v := range e {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatal(err)
	}
	return code, out.String(), errOut.String()
}

// TestStartFailuresSayOneLine: a server that cannot start says why in one
// line, whatever the libraries underneath print, and changes nothing
// before it knows: a taken port and a refused Redis stop it before the
// database is created or migrated.
func TestStartFailuresSayOneLine(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := closed.Addr().String()
	closed.Close()
	busy := startServer(t, env{})

	cases := []struct {
		name string
		env  env
		want string // the line's beginning
	}{
		{"port taken", env{"VELRO_ADDR": taken.Addr().String()},
			"velro: listen on " + taken.Addr().String() + ": listen tcp " + taken.Addr().String() + ": bind: address already in use (set --addr, VELRO_ADDR or PORT)"},
		{"metrics port taken", env{"VELRO_METRICS_ADDR": taken.Addr().String()},
			"velro: listen on " + taken.Addr().String() + ": listen tcp " + taken.Addr().String() + ": bind: address already in use (set VELRO_METRICS_ADDR)"},
		{"Redis refused", env{"REDIS_URL": "redis://" + refused + "/0"},
			"velro: REDIS_URL: connect to redis at " + refused + ": dial tcp " + refused + ": connect: connection refused"},
		{"database host unknown", env{"DATABASE_URL": "postgres://velro@no-such-host.invalid:5432/velro"},
			"velro: DATABASE_URL: connect to no-such-host.invalid:5432/velro: failed to connect to `user=velro database=velro`: "},
		{"data dir served", env{"VELRO_DATA_DIR": busy.DataDir},
			fmt.Sprintf("velro: the data dir %s is in use by another velro serve (pid %d): stop that one", busy.DataDir, os.Getpid())},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			e := merge(env{"VELRO_DATA_DIR": dir}, c.env)
			code, stdout, stderr := runMain(t, e, "serve")
			if code != 1 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, c.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and one line beginning %q", code, stdout, stderr, c.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "velro.db")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the refused server made its database: %v", err)
			}
		})
	}
}

// TestSecondServerRefused: a second server on an SQLite data dir is
// refused while the first runs, the account commands work beside the
// first, and once it stops a server starts there again.
func TestSecondServerRefused(t *testing.T) {
	first := startServer(t, env{})
	e := env{"VELRO_DATA_DIR": first.DataDir, "VELRO_ADDR": "127.0.0.1:0"}
	var stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // a server that starts is stopped, and fails
	defer cancel()
	err := run(ctx, []string{"velro", "serve"}, e.getenv, io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), "is in use by another velro serve") || stderr.Len() > 0 {
		t.Fatalf("second server: %v, logged %q", err, stderr.String())
	}

	c := first.client(t)
	ada := adminOf(t, c, e, "ada@example.com") // velro users set-role, beside the server
	c.with(ada.Access).do("GET", "/api/v1/admin/users", nil).want(t, 200)
	if out := velroUsers(t, e, "list"); !strings.Contains(out, "ada@example.com") {
		t.Fatalf("velro users list: %q", out)
	}

	first.Stop(t)
	again := startServer(t, env{"VELRO_DATA_DIR": first.DataDir})
	again.client(t).do("POST", "/api/v1/auth/login", map[string]any{"email": ada.Email, "password": ada.Password}).want(t, 200)
}
