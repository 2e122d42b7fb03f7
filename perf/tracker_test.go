package perf

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
)

// clock is a fake time source for a tracker.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) Advance(d time.Duration) { c.now = c.now.Add(d) }
func newTestTracker(log *slog.Logger) (*Tracker, *clock) {
	c := &clock{now: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	t := New(Config{Log: log})
	t.now = c.Now
	t.slots[0].start = c.now
	return t, c
}

// nearestRank is the exact percentile of sorted samples.
func nearestRank(sorted []time.Duration, q float64) time.Duration {
	return sorted[int(math.Ceil(q*float64(len(sorted))))-1]
}

func within(t *testing.T, what string, got, want time.Duration, tolerance float64) {
	t.Helper()
	if diff := math.Abs(float64(got-want)) / float64(want); diff > tolerance {
		t.Errorf("%s = %v, want %v within %.1f%% (off by %.2f%%)", what, got, want, 100*tolerance, 100*diff)
	}
}

// TestPercentilesOfKnownDistributions records a uniform and a log-normal
// distribution and compares the report with the exact percentiles.
func TestPercentilesOfKnownDistributions(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	distributions := map[string][]time.Duration{}
	var uniform []time.Duration
	for i := 1; i <= 10_000; i++ {
		uniform = append(uniform, time.Duration(i)*time.Microsecond)
	}
	distributions["uniform 1µs..10ms"] = uniform
	var logNormal []time.Duration
	for range 100_000 { // median 2 ms, a long tail
		logNormal = append(logNormal, time.Duration(math.Exp(math.Log(2e6)+rng.NormFloat64())))
	}
	distributions["log-normal"] = logNormal

	for name, samples := range distributions {
		t.Run(name, func(t *testing.T) {
			tr, _ := newTestTracker(nil)
			var sum time.Duration
			for _, i := range rng.Perm(len(samples)) {
				tr.Observe(velro.OpGenerationAccess, samples[i])
				sum += samples[i]
			}
			sorted := slices.Sorted(slices.Values(samples))
			r := tr.Report(time.Minute).Operations["generation_access"]
			if r.Count != uint64(len(samples)) {
				t.Fatalf("count %d, want %d", r.Count, len(samples))
			}
			ms := func(v float64) time.Duration { return time.Duration(math.Round(v * 1e6)) }
			// A percentile is the middle of its bucket: within half a
			// bucket's width (1/32) of the truth.
			within(t, "median", ms(r.MedianMS), nearestRank(sorted, 0.5), 1.0/32)
			within(t, "p95", ms(r.P95MS), nearestRank(sorted, 0.95), 1.0/32)
			within(t, "p99", ms(r.P99MS), nearestRank(sorted, 0.99), 1.0/32)
			// Mean, min and max are exact.
			within(t, "mean", ms(r.MeanMS), sum/time.Duration(len(samples)), 1e-6)
			within(t, "min", ms(r.MinMS), sorted[0], 1e-6)
			within(t, "max", ms(r.MaxMS), sorted[len(sorted)-1], 1e-6)
		})
	}
}

func TestBucketsCoverEveryValue(t *testing.T) {
	for _, v := range []int64{0, 1, 31, 32, 33, 63, 64, 1000, 1 << 20, 75_000_000, 1<<37 - 1} {
		lower, upper := bucketBounds(bucketOf(v))
		if v < lower || v >= upper || float64(upper-lower) > math.Max(1, float64(lower)/subBuckets) {
			t.Errorf("%d ns falls in bucket [%d, %d)", v, lower, upper)
		}
	}
	if got := bucketOf(math.MaxInt64); got != numBuckets-1 {
		t.Errorf("the largest value is in bucket %d, want the last (%d)", got, numBuckets-1)
	}
}

// TestViolationsAndStatus: a sample over the target is a violation; an
// operation fails once its p95 is over the target.
func TestViolationsAndStatus(t *testing.T) {
	tr, _ := newTestTracker(nil)
	op := velro.OpAuthorizationCheck // target 75 ms
	record := func(n int, d time.Duration) {
		for range n {
			tr.Observe(op, d)
		}
	}
	record(90, 10*time.Millisecond)
	record(6, 70*time.Millisecond)
	record(1, 75*time.Millisecond) // at the target: no violation
	record(3, 80*time.Millisecond)
	r := tr.Report(time.Minute)
	got := r.Operations["authorization_check"]
	if got.Violations != 3 || got.TargetMS != 75 || got.Status != "pass" {
		t.Fatalf("after 3 slow samples of 100: %+v", got)
	}
	if r.PRDCompliance != "pass" || r.Operations["auth_login"].Status != "no_data" || r.Operations["auth_login"].Count != 0 {
		t.Fatalf("report %+v", r)
	}

	record(3, 80*time.Millisecond) // p95 is now one of the 80 ms samples
	r = tr.Report(time.Minute)
	if got := r.Operations["authorization_check"]; got.Violations != 6 || got.Status != "fail" {
		t.Fatalf("after 6 slow samples of 103: %+v", got)
	}
	if r.PRDCompliance != "fail" {
		t.Fatalf("prd_compliance %q with a failing operation", r.PRDCompliance)
	}
}

// TestWindowSlides: a report covers the steps that began within its
// window; /metrics keeps everything.
func TestWindowSlides(t *testing.T) {
	tr, clk := newTestTracker(nil)
	for range 3 {
		tr.Observe(velro.OpTokenVerify, time.Millisecond)
	}
	tr.RequestDone("GET", "GET /api/v1/auth/me", 200, time.Millisecond)
	clk.Advance(10 * time.Second)
	tr.rotate()
	for range 2 {
		tr.Observe(velro.OpTokenVerify, time.Millisecond)
	}
	tr.RequestDone("GET", "GET /api/v1/auth/me", 404, time.Millisecond)
	tr.RequestDone("GET", "GET /api/v1/auth/me", 503, time.Millisecond)
	clk.Advance(5 * time.Second)

	if n := tr.Report(10 * time.Second).Operations["token_verify"].Count; n != 2 {
		t.Errorf("10 s window: %d samples, want the current step's 2", n)
	}
	r := tr.Report(15 * time.Second)
	if n := r.Operations["token_verify"].Count; n != 5 {
		t.Errorf("15 s window: %d samples, want 5", n)
	}
	want := []TimelinePoint{
		{Start: clk.now.Add(-15 * time.Second), Seconds: 10, Requests: 1},
		{Start: clk.now.Add(-5 * time.Second), Seconds: 5, Requests: 2, ClientErrors: 1, ServerErrors: 1},
	}
	if !slices.Equal(r.Timeline, want) {
		t.Errorf("timeline %+v, want %+v", r.Timeline, want)
	}

	for range len(tr.slots) {
		clk.Advance(10 * time.Second)
		tr.rotate()
	}
	if n := tr.Report(tr.MaxWindow()).Operations["token_verify"].Count; n != 0 {
		t.Errorf("%d samples older than the longest window still reported", n)
	}
	if n := tr.sinceStart()[velro.OpTokenVerify].count; n != 5 {
		t.Errorf("%d samples since start, want 5", n)
	}
}

// TestCacheHitRates: hit rates are the engine's counts within the window.
func TestCacheHitRates(t *testing.T) {
	tr, clk := newTestTracker(nil)
	stats := authz.Stats{L1: authz.LayerStats{Hits: 500, Misses: 100}, L2: authz.LayerStats{Hits: 40, Misses: 60}, L3: authz.LayerStats{Hits: 60}}
	tr.cacheStats = func() authz.Stats { return stats }
	if c := tr.Report(time.Minute).Cache; c.Overall.Hits != 540 || c.Overall.Misses != 60 || c.Status != "fail" || c.Target != 0.95 {
		t.Fatalf("cache since start: %+v", c)
	}
	clk.Advance(10 * time.Second)
	tr.rotate() // the new step starts from these counts
	stats.L1.Hits += 990
	stats.L1.Misses += 10
	stats.L2.Misses += 10
	stats.L3.Hits += 10
	clk.Advance(time.Second)
	c := tr.Report(10 * time.Second).Cache
	want := CacheReport{L1: LayerReport{990, 10, 0.99}, L2: LayerReport{0, 10, 0}, L3: LayerReport{10, 0, 1},
		Overall: LayerReport{990, 10, 0.99}, Target: 0.95, Status: "pass"}
	if c != want {
		t.Fatalf("cache over the last step: %+v, want %+v", c, want)
	}
	tr.cacheStats = func() authz.Stats { return authz.Stats{} }
	tr.slots[tr.head].cache = authz.Stats{}
	if c := tr.Report(10 * time.Second).Cache; c.Status != "no_data" {
		t.Fatalf("cache with no checks: %+v", c)
	}
}

// TestSlowSamplesWarnRateLimited: a sample over twice its target is logged,
// at most once a minute per operation, with the count held back.
func TestSlowSamplesWarnRateLimited(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	tr, clk := newTestTracker(slog.New(slog.NewJSONHandler(lockedWriter{&buf, &mu}, nil)))
	lines := func() []map[string]any {
		mu.Lock()
		defer mu.Unlock()
		var out []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			if l == "" {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
		return out
	}
	tr.Observe(velro.OpTokenVerify, 60*time.Millisecond) // over the 50 ms target, not twice
	if n := len(lines()); n != 0 {
		t.Fatalf("%d warnings for a sample under twice the target", n)
	}
	for range 3 {
		tr.Observe(velro.OpTokenVerify, 120*time.Millisecond)
	}
	tr.Observe(velro.OpAuthLogin, 500*time.Millisecond) // another operation has its own limit
	got := lines()
	if len(got) != 2 || got[0]["level"] != "WARN" || got[0]["operation"] != "token_verify" || got[0]["duration_ms"] != 120.0 ||
		got[0]["target_ms"] != 50.0 || got[1]["operation"] != "auth_login" {
		t.Fatalf("warnings %v", got)
	}
	clk.Advance(time.Minute)
	tr.Observe(velro.OpTokenVerify, 130*time.Millisecond)
	got = lines()
	if len(got) != 3 || got[2]["duration_ms"] != 130.0 || got[2]["suppressed_since_last"] != 2.0 {
		t.Fatalf("warnings after a minute %v", got)
	}
}

type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// TestRecordingAllocatesNothing: the hot path is lock-free and allocation
// free.
func TestRecordingAllocatesNothing(t *testing.T) {
	tr, _ := newTestTracker(nil)
	tr.RequestDone("GET", "GET /api/v1/generations/{id}", 200, time.Millisecond) // first sight of the labels
	if n := testing.AllocsPerRun(1000, func() { tr.Observe(velro.OpAuthorizationCheck, time.Microsecond) }); n != 0 {
		t.Errorf("Observe allocates %v times", n)
	}
	if n := testing.AllocsPerRun(1000, func() {
		tr.RequestStarted()
		tr.RequestDone("GET", "GET /api/v1/generations/{id}", 200, time.Millisecond)
	}); n != 0 {
		t.Errorf("a request allocates %v times", n)
	}
}

// TestConcurrentRecording loses no sample while reports are read.
func TestConcurrentRecording(t *testing.T) {
	tr, _ := newTestTracker(nil)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range 10_000 {
				tr.Observe(velro.OpDBQuery, time.Duration(i)*time.Microsecond)
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			tr.Report(time.Minute)
		}
	})
	wg.Wait()
	if n := tr.Report(time.Minute).Operations["db_query"].Count; n != 40_000 {
		t.Fatalf("%d samples, want 40,000", n)
	}
}

// TestPrometheusExport: the operation histograms count every sample since
// start, folded steps included, in buckets that hold the latency targets.
func TestPrometheusExport(t *testing.T) {
	tr, clk := newTestTracker(nil)
	reg := prometheus.NewRegistry()
	reg.MustRegister(tr.Collectors()...)
	for range 3 {
		tr.Observe(velro.OpAuthLogin, 10*time.Millisecond)
	}
	for range 3 {
		clk.Advance(10 * time.Second)
		tr.rotate() // the first step is folded into the totals now
	}
	tr.Observe(velro.OpAuthLogin, 200*time.Millisecond)
	tr.Observe(velro.OpAuthLogin, 200*time.Millisecond)
	tr.RequestDone("GET", "GET /api/v1/projects/{id}", 404, 3*time.Millisecond)

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	find := func(name, label, value string) *dto.Metric {
		for _, f := range families {
			if f.GetName() != name {
				continue
			}
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == label && l.GetValue() == value {
						return m
					}
				}
			}
		}
		t.Fatalf("no %s{%s=%q}", name, label, value)
		return nil
	}
	h := find("velro_operation_duration_seconds", "operation", "auth_login").GetHistogram()
	cumulative := map[float64]uint64{}
	for _, b := range h.GetBucket() {
		cumulative[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	if h.GetSampleCount() != 5 || cumulative[0.05] != 3 || cumulative[0.25] != 5 || math.Abs(h.GetSampleSum()-0.43) > 1e-9 {
		t.Errorf("auth_login histogram: count %d, sum %v, buckets %v", h.GetSampleCount(), h.GetSampleSum(), cumulative)
	}
	if v := find("velro_operation_violations_total", "operation", "auth_login").GetCounter().GetValue(); v != 2 {
		t.Errorf("auth_login violations %v, want 2", v)
	}
	if v := find("velro_operation_target_seconds", "operation", "authorization_check").GetGauge().GetValue(); v != 0.075 {
		t.Errorf("authorization_check target %v", v)
	}
	req := find("velro_http_request_duration_seconds", "route", "/api/v1/projects/{id}")
	labels := map[string]string{}
	for _, l := range req.GetLabel() {
		labels[l.GetName()] = l.GetValue()
	}
	if labels["method"] != "GET" || labels["status"] != "404" || req.GetHistogram().GetSampleCount() != 1 {
		t.Errorf("request metric %v", req)
	}
}

// TestRequestLabels never takes a label from the raw request.
func TestRequestLabels(t *testing.T) {
	cases := []struct {
		method, pattern string
		want            requestKey
	}{
		{"GET", "GET /api/v1/generations/{id}", requestKey{"GET", "/api/v1/generations/{id}", 200}},
		{"HEAD", "GET /media/{key...}", requestKey{"GET", "/media/{key...}", 200}},
		{"GET", "", requestKey{"GET", "unmatched", 200}},
		{"BREW", "", requestKey{"other", "unmatched", 200}},
		{"GET", "/plain", requestKey{"GET", "/plain", 200}},
	}
	for _, c := range cases {
		if got := labelsOf(c.method, c.pattern, 200); got != c.want {
			t.Errorf("labelsOf(%q, %q) = %v, want %v", c.method, c.pattern, got, c.want)
		}
	}
}
