package perf

import (
	"testing"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
)

// TestJudgedOnlyWithEnoughSamples: an operation is judged against its
// target only with at least 20 samples in the window, so a few slow logins
// on an idle server make no verdict; below that its status is no_data and
// it does not fail the report.
func TestJudgedOnlyWithEnoughSamples(t *testing.T) {
	const fast, slow = 10 * time.Millisecond, 200 * time.Millisecond // auth_login's target is 50 ms
	cases := []struct {
		name        string
		fast, slow  int
		status      string
		compliance  string
		reportedMax float64 // ms; the figures are reported whether or not judged
	}{
		{"no logins", 0, 0, "no_data", "pass", 0},
		{"three slow logins", 0, 3, "no_data", "pass", 200},
		{"nineteen slow logins", 0, 19, "no_data", "pass", 200},
		{"twenty slow logins", 0, 20, "fail", "fail", 200},
		{"twenty fast logins", 20, 0, "pass", "pass", 10},
		{"nineteen fast, one slow", 19, 1, "pass", "pass", 200}, // p95 is the 19th of 20
		{"eighteen fast, two slow", 18, 2, "fail", "fail", 200},
	}
	for _, c := range cases {
		tr, _ := newTestTracker(nil)
		for range c.fast {
			tr.Observe(velro.OpAuthLogin, fast)
		}
		for range c.slow {
			tr.Observe(velro.OpAuthLogin, slow)
		}
		r := tr.Report(time.Minute)
		got := r.Operations["auth_login"]
		if got.Status != c.status || r.PRDCompliance != c.compliance || got.MaxMS != c.reportedMax || r.MinSamples != 20 {
			t.Errorf("%s: status %s, compliance %s, max %v ms, min_samples %d; want %s, %s, %v ms, 20",
				c.name, got.Status, r.PRDCompliance, got.MaxMS, r.MinSamples, c.status, c.compliance, c.reportedMax)
		}
	}
}

// TestCacheJudgedOnlyWithEnoughChecks: the cache's hit rate is judged only
// over at least 20 checks.
func TestCacheJudgedOnlyWithEnoughChecks(t *testing.T) {
	cases := []struct {
		name   string
		after  authz.Stats
		status string
	}{
		{"no checks", authz.Stats{}, "no_data"},
		{"19 database reads", authz.Stats{L3: authz.LayerStats{Hits: 19}}, "no_data"},
		{"20 database reads", authz.Stats{L3: authz.LayerStats{Hits: 20}}, "fail"},
		{"19 in process, 1 database read", authz.Stats{L1: authz.LayerStats{Hits: 19, Misses: 1}, L3: authz.LayerStats{Hits: 1}}, "pass"},
		{"18 in process, 2 database reads", authz.Stats{L1: authz.LayerStats{Hits: 18, Misses: 2}, L3: authz.LayerStats{Hits: 2}}, "fail"},
		{"20 uncached", authz.Stats{Uncached: 20}, "fail"},
	}
	for _, c := range cases {
		if got := cacheReport(authz.Stats{}, c.after); got.Status != c.status {
			t.Errorf("%s: %s, want %s", c.name, got.Status, c.status)
		}
	}
}
