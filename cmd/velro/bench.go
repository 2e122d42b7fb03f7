package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/velro-ai/velro/loadtest"
)

const benchUsage = `usage:
  velro bench [flags] [scenario...]  the performance test suite, against any Velro
                                     server (default: every scenario)
  velro bench fixtures --url URL     register a benchmark account on a running server
                                     and print its credentials as shell variables
  velro bench trivial --addr ADDR    serve a trivial JSON handler: the machine's
                                     ceiling, measured beside every figure

scripts/bench.sh drives fixtures and trivial with wrk, as a cross-check.

scenarios:
%s
flags:
`

// bench runs the performance test suite and the helpers of the wrk script.
func bench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("velro bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, benchUsage, loadtest.Names())
		fs.PrintDefaults()
	}
	o := loadtest.Options{}
	fs.StringVar(&o.URL, "url", "http://127.0.0.1:8080", "the server")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "length of each row")
	fs.IntVar(&o.Users, "users", 10_000, "simulated users of the mixed scenario")
	fs.Float64Var(&o.Rate, "rate", 0, "requests per second of the mixed scenario (0: one per user per 10 s)")
	fs.IntVar(&o.Accounts, "accounts", 1_000, "accounts to register for the mixed scenario (simulated users share them) and cold authorize (up to 200)")
	fs.IntVar(&o.Generations, "generations", 1_000, "generations to make for the authorize, generation-access and mixed scenarios")
	fs.IntVar(&o.Connections, "connections", 10_000, "keep-alive connections the connections scenario holds")
	fs.Float64Var(&o.HoldRate, "hold-rate", 1_000, "requests per second the connections scenario sends over them")
	fs.IntVar(&o.SeedConcurrency, "seed-concurrency", 4, "registrations at once while seeding")
	fs.DurationVar(&o.Timeout, "timeout", 10*time.Second, "limit of one request")
	fs.BoolVar(&o.Compare, "compare", false, "measure a trivial handler under the same load beside each row (the ceiling)")
	fs.BoolVar(&o.JSON, "json", false, "print the report as JSON")
	fs.StringVar(&o.MetricsToken, "metrics-token", "", "bearer token of the server's /metrics, if protected")
	addr := fs.String("addr", "127.0.0.1:8090", "trivial: address to listen on")
	sessions := fs.Int("sessions", 4, "fixtures: extra sessions to open; their refresh tokens are printed as REFRESH_TOKENS")
	names, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if len(names) > 0 {
		switch names[0] {
		case "fixtures":
			return loadtest.Fixtures(ctx, o.URL, *sessions, stdout)
		case "trivial":
			return loadtest.ServeTrivial(ctx, *addr, stdout)
		}
	}
	if o.Users < 1 || o.Accounts < 1 || o.Generations < 1 || o.Connections < 1 || o.SeedConcurrency < 1 {
		return errors.New("bench: --users, --accounts, --generations, --connections and --seed-concurrency must be at least 1")
	}
	if o.Duration <= 0 || o.Timeout <= 0 || o.Rate < 0 || o.HoldRate <= 0 {
		return errors.New("bench: --duration, --timeout and --hold-rate must be positive, --rate not negative")
	}
	o.Scenarios = names
	if o.Compare {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("bench --compare: %w", err)
		}
		o.Ceiling = loadtest.TrivialProcess(exe, "bench", "trivial", "--addr", "127.0.0.1:0")
	}
	return loadtest.Run(ctx, o, stdout, stderr)
}

// parseInterleaved parses flags wherever they stand among the arguments
// ("velro bench mixed --duration 30s") and returns the other arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
