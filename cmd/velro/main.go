// Command velro runs the Velro backend.
//
//	velro [serve] [flags]   start the server (the default)
//	velro migrate [flags]   apply database migrations and exit
//	velro media migrate --to s3://...   copy the data dir's media to S3
//	velro users list|set-role|disable|enable   operate accounts
//	velro keys rotate       make a new token-signing key
//	velro backup create|list|verify|restore   snapshots and restores (SQLite)
//	velro version           print the version
//	velro bench ...         the performance test suite (and the wrk script's helpers)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

	"github.com/velro-ai/velro"
)

func main() {
	if err := tuneGC(os.Getenv); err != nil {
		fmt.Fprintf(os.Stderr, "velro: %v\n", err)
		os.Exit(2) // as Go's runtime does for a malformed GOMEMLIMIT
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "velro: %s\n", oneLine(err))
		os.Exit(1)
	}
}

// oneLine is an error as one line: libraries' messages may span several
// (pgx lists each address it tried, each cause again on a line of its own).
// A line that only repeats the end of the one before is dropped.
func oneLine(err error) string {
	var out []string
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || len(out) > 0 && strings.HasSuffix(out[len(out)-1], line) {
			continue
		}
		out = append(out, line)
	}
	joined := strings.Join(out, "; ")
	return strings.ReplaceAll(joined, ":; ", ": ")
}

// topLevelFlags are the flags of velro itself rather than of serve.
var topLevelFlags = map[string]bool{"-h": true, "-help": true, "--help": true, "-version": true, "--version": true}

const usage = `usage: velro [command] [flags]

commands:
  serve     start the server (default)
  migrate   apply database migrations and exit
  media     media migrate --to s3://...: copy the data dir's media to an S3 store
  users     list, set-role EMAIL admin|user, disable EMAIL, enable EMAIL: operate accounts
  keys      keys rotate: make a new token-signing key (servers may run)
  backup    create, list, verify, restore: snapshots of the SQLite data (servers may run)
  version   print the version
  bench     the performance test suite (velro bench -h)

Run "velro serve -h" for the settings: each is a flag and an environment
variable (README.md, "Configuration").
`

// Garbage-collector defaults, each unless its variable is set. Each password
// hash allocates 19 MiB, so at Go's GOGC=100 logins started a collection
// every second hash, and a hash that starts one waits for the other core's
// hash (in assembly, slow to preempt) to stop: login p99 at 2 concurrent was
// 83-98 ms, and 35-47 ms with these defaults (BENCHMARKS.md). The soft limit keeps the
// larger heap this allows within what one instance is expected to use.
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 400 << 20
)

// tuneGC sets velro's defaults, and refuses a GOGC that Go's runtime would
// silently read as 100. (A malformed GOMEMLIMIT never gets here: the
// runtime reads it first and stops with "fatal error: malformed
// GOMEMLIMIT" and exit status 2.)
func tuneGC(getenv func(string) string) error {
	switch gogc := getenv("GOGC"); gogc {
	case "":
		debug.SetGCPercent(defaultGCPercent)
	case "off":
	default:
		if _, err := strconv.ParseInt(gogc, 10, 32); err != nil || strings.HasPrefix(gogc, "+") { // Go's runtime reads "+400" as 100
			return fmt.Errorf("GOGC %q is not a whole number or off: set a percentage like 400, or unset it for velro's default", gogc)
		}
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	return nil
}

// run is the whole program; tests call it to start a real server.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd, rest := "serve", args[1:]
	if len(rest) > 0 && (!strings.HasPrefix(rest[0], "-") || topLevelFlags[rest[0]]) {
		cmd, rest = rest[0], rest[1:]
	}
	switch cmd {
	case "-h", "-help", "--help":
		cmd = "help"
	case "-version", "--version":
		cmd = "version"
	}
	switch cmd {
	case "version":
		fmt.Fprintf(stdout, "velro %s\n", velro.Version)
		return nil
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	case "bench":
		return bench(ctx, rest, stdout, stderr)
	case "media":
		return mediaCommand(ctx, rest, getenv, stdout, stderr)
	case "users":
		return usersCommand(ctx, rest, getenv, stdout, stderr)
	case "keys":
		return keysCommand(ctx, rest, getenv, stdout, stderr)
	case "backup":
		return backupCommand(ctx, rest, getenv, stdout, stderr)
	case "serve", "migrate":
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}

	cfg, err := parseConfig("velro "+cmd, rest, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if cmd == "migrate" {
		return migrate(ctx, cfg, stdout)
	}
	return serve(ctx, cfg, stdout, stderr)
}
