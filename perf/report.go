package perf

import (
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
)

// MinSamples is how many samples an operation, and how many checks the
// cache, needs in the window to be judged: a few slow logins while the
// machine compiles are no verdict on the server. Below it the status is
// no_data.
const MinSamples = 20

// Report is the body of GET /api/v1/monitoring/performance (README.md,
// "Monitoring"). MinSamples and Timeline are additions, for the dashboard.
type Report struct {
	WindowSeconds int                        `json:"window_seconds"`
	GeneratedAt   time.Time                  `json:"generated_at"`
	Operations    map[string]OperationReport `json:"operations"`
	Cache         CacheReport                `json:"cache"`
	PRDCompliance string                     `json:"prd_compliance" enum:"pass,fail" doc:"fail when any operation or the cache fails (those with too few samples, no_data, are not judged)"`
	MinSamples    int                        `json:"min_samples" doc:"samples an operation, and checks the cache, needs in the window to be judged; with fewer its status is no_data"`
	Timeline      []TimelinePoint            `json:"timeline" doc:"HTTP requests per step of the window, oldest first"`
}

// OperationReport is one operation's latencies over the window.
type OperationReport struct {
	Count      uint64  `json:"count"`
	MeanMS     float64 `json:"mean_ms"`
	MedianMS   float64 `json:"median_ms"`
	P95MS      float64 `json:"p95_ms"`
	P99MS      float64 `json:"p99_ms"`
	MinMS      float64 `json:"min_ms"`
	MaxMS      float64 `json:"max_ms"`
	TargetMS   float64 `json:"target_ms"`
	Violations uint64  `json:"violations" doc:"samples over the target"`
	Status     string  `json:"status" enum:"pass,fail,no_data" doc:"pass while p95 is within the target; no_data below min_samples samples"`
}

// CacheReport is the authorization cache's hit rates over the window.
// Overall counts the checks answered without a database read (L1 or L2)
// among all checks.
type CacheReport struct {
	L1      LayerReport `json:"l1"`
	L2      LayerReport `json:"l2"`
	L3      LayerReport `json:"l3"`
	Overall LayerReport `json:"overall"`
	Target  float64     `json:"target"`
	Status  string      `json:"status" enum:"pass,fail,no_data" doc:"pass while the overall hit rate is at least the target; no_data below min_samples checks"`
}

// LayerReport is one cache layer's hits (checks it answered) and misses
// (checks it passed on).
type LayerReport struct {
	Hits    uint64  `json:"hits"`
	Misses  uint64  `json:"misses"`
	HitRate float64 `json:"hit_rate"`
}

// TimelinePoint counts the HTTP requests of one step of the window.
type TimelinePoint struct {
	Start        time.Time `json:"start"`
	Seconds      float64   `json:"seconds" doc:"length of the step (the last one is still running)"`
	Requests     uint64    `json:"requests"`
	ClientErrors uint64    `json:"client_errors" doc:"4xx answers"`
	ServerErrors uint64    `json:"server_errors" doc:"5xx answers"`
}

// Report summarises the window of length d that ends now: it covers the
// steps that began within it.
func (t *Tracker) Report(d time.Duration) *Report {
	now := t.now()
	t.mu.Lock()
	slots := t.window(now, d)
	cacheNow := t.cache()
	t.mu.Unlock()

	r := &Report{WindowSeconds: int(d / time.Second), GeneratedAt: now.UTC(), Operations: map[string]OperationReport{}, PRDCompliance: "pass",
		MinSamples: MinSamples}
	for op := range velro.OperationCount {
		c := newCounts()
		for _, s := range slots {
			c.add(&s.ops[op])
		}
		or := operationReport(op, c)
		r.Operations[op.String()] = or
		if or.Status == "fail" {
			r.PRDCompliance = "fail"
		}
	}
	r.Cache = cacheReport(slots[len(slots)-1].cache, cacheNow)
	if r.Cache.Status == "fail" {
		r.PRDCompliance = "fail"
	}
	end := now
	r.Timeline = make([]TimelinePoint, len(slots))
	for i, s := range slots { // newest first
		r.Timeline[len(slots)-1-i] = TimelinePoint{Start: s.start.UTC(), Seconds: end.Sub(s.start).Seconds(),
			Requests: s.requests.Load(), ClientErrors: s.clientErrors.Load(), ServerErrors: s.serverErrors.Load()}
		end = s.start
	}
	return r
}

func operationReport(op velro.Operation, c *counts) OperationReport {
	r := OperationReport{Count: c.count, TargetMS: millis(targets[op]), Violations: c.violations, Status: "no_data"}
	if c.count == 0 {
		return r
	}
	r.MeanMS, r.MedianMS, r.P95MS, r.P99MS = millis(c.mean()), millis(c.quantile(0.5)), millis(c.quantile(0.95)), millis(c.quantile(0.99))
	r.MinMS, r.MaxMS = millis(time.Duration(c.min)), millis(time.Duration(c.max))
	switch {
	case c.count < MinSamples:
	case c.quantile(0.95) > targets[op]:
		r.Status = "fail"
	default:
		r.Status = "pass"
	}
	return r
}

// cacheReport reports the checks counted between two readings of the
// engine's counters.
func cacheReport(before, after authz.Stats) CacheReport {
	delta := func(a, b authz.LayerStats) authz.LayerStats {
		return authz.LayerStats{Hits: a.Hits - b.Hits, Misses: a.Misses - b.Misses}
	}
	l1, l2, l3 := delta(after.L1, before.L1), delta(after.L2, before.L2), delta(after.L3, before.L3)
	uncached := after.Uncached - before.Uncached
	// Checks that read the database: those L3 answered, and all with
	// caching off.
	overall := authz.LayerStats{Hits: l1.Hits + l2.Hits, Misses: l3.Hits + uncached}
	r := CacheReport{L1: layerReport(l1), L2: layerReport(l2), L3: layerReport(l3), Overall: layerReport(overall),
		Target: cacheHitRateTarget, Status: "no_data"}
	switch {
	case overall.Hits+overall.Misses < MinSamples:
	case r.Overall.HitRate >= cacheHitRateTarget:
		r.Status = "pass"
	default:
		r.Status = "fail"
	}
	return r
}

func layerReport(s authz.LayerStats) LayerReport {
	return LayerReport{Hits: s.Hits, Misses: s.Misses, HitRate: s.HitRate()}
}
