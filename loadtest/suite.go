package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Options configure a bench run.
type Options struct {
	URL       string
	Scenarios []string // none means all
	Duration  time.Duration
	// Users are the simulated users of the mixed scenario; Rate its arrival
	// rate (0: Users / 10 s).
	Users int
	Rate  float64
	// Accounts are registered for the mixed scenario (simulated users share
	// them) and the cold authorize pairs; Generations are made in public
	// projects for the authorize, generation and mixed scenarios.
	Accounts    int
	Generations int
	// Connections are held open by the connections scenario, which sends
	// HoldRate requests per second over them.
	Connections int
	HoldRate    float64
	// SeedConcurrency is how many registrations run at once.
	SeedConcurrency int
	Timeout         time.Duration
	// Compare measures the trivial handler under the same load beside each
	// row; Ceiling starts it and returns its URL.
	Compare bool
	Ceiling func(ctx context.Context) (url string, stop func(), err error)
	// MetricsToken is sent to /metrics if the server protects it.
	MetricsToken string
	JSON         bool
}

// Names lists the scenarios with what each does.
func Names() string {
	var b strings.Builder
	for _, sc := range scenarios {
		fmt.Fprintf(&b, "  %-18s %s\n", sc.name, sc.about)
	}
	return b.String()
}

// suite is one bench run.
type suite struct {
	opts       *Options
	base       string
	fix        *fixture
	out        *progress
	report     *Report
	ceilings   map[Shape]*Figures
	ceilingURL string
	metrics    *metricsClient
}

// Run seeds what the chosen scenarios need, runs them and writes the
// report (a table, or JSON) to stdout; progress goes to stderr. The report
// is written also when a scenario stops the run (for example when the
// server throttles registrations); the error then says why.
func Run(ctx context.Context, opts Options, stdout, stderr io.Writer) error {
	chosen, err := choose(opts.Scenarios)
	if err != nil {
		return err
	}
	base := strings.TrimRight(opts.URL, "/")
	out := &progress{w: stderr, tty: isTerminal(stderr), every: 5 * time.Second}
	if out.tty {
		out.every = time.Second
	}
	s := &suite{
		opts: &opts, base: base, out: out, ceilings: map[Shape]*Figures{},
		fix:     newFixture(base, opts.Timeout, opts.SeedConcurrency, out),
		metrics: &metricsClient{url: base + "/metrics", token: opts.MetricsToken, client: newClient(1, opts.Timeout, &dialCounter{})},
		report: &Report{URL: base, StartedAt: time.Now().UTC(),
			Machine: Machine{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), LoadStart: loadAverage()}},
	}
	runErr := s.run(ctx, chosen)
	s.report.Machine.LoadEnd = loadAverage()
	s.report.Seeded = s.fix.seeded
	if runErr != nil {
		s.report.Stopped = runErr.Error()
	}
	if errors.Is(runErr, context.Canceled) && len(s.report.Rows) == 0 {
		return runErr
	}
	if opts.JSON {
		err = writeJSON(stdout, s.report)
	} else {
		err = writeTable(stdout, s.report)
	}
	return errors.Join(runErr, err)
}

func choose(names []string) ([]scenario, error) {
	if len(names) == 0 {
		return scenarios, nil
	}
	var out []scenario
	for _, sc := range scenarios {
		if slices.Contains(names, sc.name) {
			out = append(out, sc)
		}
	}
	for _, n := range names {
		if !slices.ContainsFunc(scenarios, func(sc scenario) bool { return sc.name == n }) {
			return nil, fmt.Errorf("unknown scenario %q; the scenarios are:\n%s", n, Names())
		}
	}
	return out, nil
}

func (s *suite) run(ctx context.Context, chosen []scenario) error {
	if err := s.inspectServer(ctx); err != nil {
		return err
	}
	if s.opts.Compare {
		stop, err := s.startCeiling(ctx)
		if err != nil {
			return err
		}
		defer stop()
	}
	var want needs
	for _, sc := range chosen {
		n := sc.needs(s.opts)
		want.accounts, want.generations = max(want.accounts, n.accounts), max(want.generations, n.generations)
	}
	if err := s.fix.ensureAccounts(ctx, want.accounts); err != nil {
		return err
	}
	if want.generations > 0 {
		if err := s.fix.ensureGenerations(ctx, want.generations); err != nil {
			return err
		}
	}
	for _, sc := range chosen {
		for _, spec := range sc.rows(s.opts) {
			if err := s.runRow(ctx, spec); err != nil {
				return fmt.Errorf("%s: %w", sc.name, err)
			}
		}
	}
	return nil
}

// inspectServer checks that the server answers and notes what it says of
// itself: its dependencies and its memory before any load.
func (s *suite) inspectServer(ctx context.Context) error {
	var ready struct {
		Dependencies map[string]any `json:"dependencies"`
	}
	if err := call(ctx, s.fix.client, http.MethodGet, s.base+"/health/ready", "", nil, http.StatusOK, &ready); err != nil {
		return fmt.Errorf("the server at %s is not ready: %w", s.base, err)
	}
	for name := range ready.Dependencies {
		s.report.Server.Dependencies = append(s.report.Server.Dependencies, name)
	}
	slices.Sort(s.report.Server.Dependencies)
	proc, err := s.metrics.read(ctx)
	if err != nil {
		s.report.Server.MetricsError = err.Error()
	} else {
		s.report.Server.RSSStartBytes = proc.rss
	}
	s.report.Goals = append(s.report.Goals, idleRSS(&s.report.Server, 50e6))
	return nil
}

func (s *suite) runRow(ctx context.Context, spec *rowSpec) error {
	// Sessions seeded long ago may expire during the row.
	if err := s.fix.renew(ctx, spec.shape.Duration+2*time.Minute); err != nil {
		return err
	}
	target, setup, err := spec.prepare(ctx, s)
	if err != nil {
		return err
	}
	l := &load{name: strings.TrimSpace(spec.scenario + " " + spec.variant), base: s.base, shape: spec.shape, target: target, setup: setup,
		timeout: s.opts.Timeout, out: s.out}
	var held *Held
	if spec.holds {
		held = &Held{Wanted: spec.shape.Connections, ClientMaxFDs: raiseFileLimit(uint64(spec.shape.Connections) + 256)}
		l.held = func(ctx context.Context) {
			if proc, err := s.metrics.read(ctx); err == nil {
				held.ServerOpenFDs, held.ServerMaxFDs, held.ServerRSSBytes = proc.openFDs, proc.maxFDs, proc.rss
			}
		}
	}
	before, metricsErr := s.metrics.read(ctx)
	m, err := l.run(ctx)
	if err != nil {
		return err
	}
	var after *processFigures
	if metricsErr == nil {
		after, metricsErr = s.metrics.read(ctx)
	}
	if m.fatal != nil {
		return m.fatal // its figures would describe the refusal, not the server
	}
	row := summarize(spec, m)
	if metricsErr == nil && row.Requests > 0 {
		row.Costs = costsPerRequest(before.counters, after.counters, row.Requests)
	}
	if m.exhausted {
		row.Notes = append(row.Notes, fmt.Sprintf("ran out of requests after %.1f s (raise --accounts or --generations for more pairs)", m.elapsed.Seconds()))
	}
	if held != nil {
		held.Opened, held.Reconnects = m.opened, m.reconnects
		row.Held = held
		row.Notes = append(row.Notes, heldNotes(held, m.openErr)...)
	} else if m.opened < spec.shape.Connections {
		row.Notes = append(row.Notes, fmt.Sprintf("only %d of %d connections opened: %v", m.opened, spec.shape.Connections, m.openErr))
	}
	if s.opts.Compare {
		if row.Ceiling, err = s.ceiling(ctx, spec.shape); err != nil {
			return err
		}
	}
	for _, g := range spec.goals {
		row.Goals = append(row.Goals, g.verdict(row, s))
	}
	s.report.Rows = append(s.report.Rows, row)
	return nil
}

// heldNotes say what kept connections from opening.
func heldNotes(h *Held, openErr error) []string {
	var notes []string
	if h.Opened < h.Wanted {
		notes = append(notes, fmt.Sprintf("only %s of %s connections opened: %v", thousands(int64(h.Opened)), thousands(int64(h.Wanted)), openErr))
	}
	if h.ClientMaxFDs < uint64(h.Wanted)+256 {
		notes = append(notes, fmt.Sprintf("the bench may open %d files (RLIMIT_NOFILE), too few for %s connections: raise it (ulimit -n) and run again",
			h.ClientMaxFDs, thousands(int64(h.Wanted))))
	}
	if h.ServerMaxFDs > 0 && h.ServerMaxFDs < int64(h.Wanted)+64 {
		notes = append(notes, fmt.Sprintf("the server may open %d files (its RLIMIT_NOFILE), too few for %s connections: raise its limit (ulimit -n, or LimitNOFILE in systemd)",
			h.ServerMaxFDs, thousands(int64(h.Wanted))))
	}
	if h.Reconnects > 0 {
		notes = append(notes, fmt.Sprintf("%s connections were closed by the server and opened again", thousands(h.Reconnects)))
	}
	return notes
}

func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
