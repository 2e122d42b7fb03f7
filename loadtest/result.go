package loadtest

import (
	"slices"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Report is the outcome of a bench run, as --json prints it.
type Report struct {
	URL       string     `json:"url"`
	StartedAt time.Time  `json:"started_at"`
	Machine   Machine    `json:"machine"`
	Server    Server     `json:"server"`
	Seeded    seedReport `json:"seeded"`
	// HashMillis is one argon2id hash at the server's parameters, timed in
	// the bench process (with --compare): the ceiling of a login.
	HashMillis float64   `json:"password_hash_ms,omitempty"`
	Rows       []*Row    `json:"rows"`
	Goals      []Verdict `json:"goals"` // of the whole run, not of one row
	// Stopped says why the run ended before its last scenario.
	Stopped string `json:"stopped,omitempty"`
}

// Machine is where the bench ran.
type Machine struct {
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	LoadStart  string `json:"load_average_start,omitempty"`
	LoadEnd    string `json:"load_average_end,omitempty"`
}

// Server is what the bench learned of the server besides its answers.
type Server struct {
	Dependencies []string `json:"dependencies,omitempty"`
	// RSSStartBytes is the server's resident memory when the bench began
	// (from /metrics); the idle RSS if the server had just started.
	RSSStartBytes int64  `json:"rss_start_bytes,omitempty"`
	MetricsError  string `json:"metrics_error,omitempty"`
}

// Latency holds percentiles in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// Figures are what one run of one operation measured.
type Figures struct {
	Requests int64   `json:"requests"`
	RPS      float64 `json:"rps"` // answered as expected, per second
	Latency  Latency `json:"latency_ms"`
	Errors   int64   `json:"errors"`
}

// OpFigures are one operation's figures in a mixed row.
type OpFigures struct {
	Op string `json:"op"`
	Figures
}

// Costs are what one request of a row cost the server on average, from
// its /metrics before and after the row. The lock wait and database calls
// are absent when the server does not export them.
type Costs struct {
	CPUMicros      float64  `json:"cpu_us"`
	LockWaitMicros *float64 `json:"lock_wait_us,omitempty"`
	DBCalls        *float64 `json:"db_calls,omitempty"`
}

// Row is one line of the table: a scenario under one load shape.
type Row struct {
	Scenario        string  `json:"scenario"`
	Variant         string  `json:"variant,omitempty"`
	Load            string  `json:"load"`
	OpenLoop        bool    `json:"open_loop"`
	Connections     int     `json:"connections"`
	Rate            float64 `json:"rate,omitempty"`
	DurationSeconds float64 `json:"duration_seconds"`
	Figures
	ErrorKinds   map[string]int64  `json:"error_kinds,omitempty"`
	ErrorSamples map[string]string `json:"error_samples,omitempty"`
	// Cache counts which layer answered authorize checks.
	Cache   map[string]int64 `json:"cache,omitempty"`
	Ops     []OpFigures      `json:"ops,omitempty"`
	Held    *Held            `json:"held,omitempty"`
	Costs   *Costs           `json:"costs,omitempty"`
	Ceiling *Figures         `json:"ceiling,omitempty"`
	Goals   []Verdict        `json:"goals"`
	Notes   []string         `json:"notes,omitempty"`
}

// Name is how the row is called in the table.
func (r *Row) Name() string {
	if r.Variant == "" {
		return r.Scenario
	}
	return r.Scenario + " " + r.Variant
}

// Held is what the connections scenario observed of its connections.
type Held struct {
	Wanted     int   `json:"wanted"`
	Opened     int   `json:"opened"`
	Reconnects int64 `json:"reconnects"`
	// The server's side, from its /metrics while the connections were open
	// (0 when /metrics was not readable).
	ServerOpenFDs  int64 `json:"server_open_fds,omitempty"`
	ServerMaxFDs   int64 `json:"server_max_fds,omitempty"`
	ServerRSSBytes int64 `json:"server_rss_bytes,omitempty"`
	// ClientMaxFDs is the bench's own file limit.
	ClientMaxFDs uint64 `json:"client_max_fds"`
}

func latencyOf(h *hdrhistogram.Histogram) Latency {
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return Latency{
		P50: ms(h.ValueAtQuantile(50)), P95: ms(h.ValueAtQuantile(95)), P99: ms(h.ValueAtQuantile(99)),
		Max: ms(h.Max()), Mean: h.Mean() / 1000,
	}
}

// figures turns a run's record of one operation into figures.
func figures(o *opTally, elapsed time.Duration) Figures {
	return Figures{
		Requests: o.requests,
		RPS:      float64(o.requests-o.errors) / elapsed.Seconds(),
		Latency:  latencyOf(o.hist),
		Errors:   o.errors,
	}
}

// figures are the run's figures over all operations; requests it never
// sent count as errors.
func (m *measurement) figures() Figures {
	all := m.tally.sum()
	all.requests += m.missed
	all.errors += m.missed
	return figures(all, m.elapsed)
}

// summarize makes the row of a measurement.
func summarize(spec *rowSpec, m *measurement) *Row {
	r := &Row{
		Scenario: spec.scenario, Variant: spec.variant, Load: m.shape.String(),
		OpenLoop: m.shape.Rate > 0, Connections: m.shape.Connections, Rate: m.shape.Rate,
		DurationSeconds: m.elapsed.Seconds(),
	}
	r.Figures = m.figures()
	if len(m.tally.errors) > 0 {
		r.ErrorKinds, r.ErrorSamples = m.tally.errors, m.tally.sample
	}
	if len(m.tally.labels) > 0 {
		r.Cache = m.tally.labels
	}
	if len(m.tally.ops) > 1 {
		names := make([]string, 0, len(m.tally.ops))
		for name := range m.tally.ops {
			names = append(names, name)
		}
		slices.SortFunc(names, func(a, b string) int { return int(m.tally.ops[b].requests - m.tally.ops[a].requests) })
		for _, name := range names {
			o := m.tally.ops[name]
			r.Ops = append(r.Ops, OpFigures{Op: name, Figures: figures(o, m.elapsed)})
		}
	}
	return r
}

// op returns the figures of one operation of a mixed row.
func (r *Row) op(name string) (Figures, bool) {
	for _, o := range r.Ops {
		if o.Op == name {
			return o.Figures, true
		}
	}
	return Figures{}, false
}
