package loadtest

import "testing"

// TestNoPerRequestLock: the guard of the hot paths fails on what the
// data_version lock cost (1.3 ms of lock wait per request) and on a
// database call per request, passes a lock-free warm path, and cannot
// judge a server that does not export the counters.
func TestNoPerRequestLock(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	cases := []struct {
		name  string
		costs *Costs
		want  string
	}{
		{"lock-free and warm", &Costs{CPUMicros: 60, LockWaitMicros: f(0.85), DBCalls: f(0)}, Pass},
		{"data_version lock", &Costs{CPUMicros: 95, LockWaitMicros: f(1305), DBCalls: f(0)}, Fail},
		{"a query per request", &Costs{CPUMicros: 120, LockWaitMicros: f(2), DBCalls: f(1)}, Fail},
		{"cache fills only", &Costs{CPUMicros: 60, LockWaitMicros: f(2), DBCalls: f(0.004)}, Pass},
		{"no lock counter", &Costs{CPUMicros: 60, DBCalls: f(0)}, NA},
		{"tracking off", &Costs{CPUMicros: 60, LockWaitMicros: f(1)}, NA},
		{"no /metrics", nil, NA},
	}
	for _, c := range cases {
		row := &Row{Scenario: "authorize", Costs: c.costs}
		if got := hotPathUnlocked.verdict(row, &suite{}).Status; got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

// TestCostsPerRequest spreads counter growth over the row's requests.
func TestCostsPerRequest(t *testing.T) {
	before := costCounters{cpuSeconds: 10, lockWaitSeconds: 1, dbCalls: 100, hasLockWait: true, hasDBCalls: true}
	after := costCounters{cpuSeconds: 11, lockWaitSeconds: 1.5, dbCalls: 100, hasLockWait: true, hasDBCalls: true}
	c := costsPerRequest(before, after, 10_000)
	if c.CPUMicros != 100 || c.LockWaitMicros == nil || *c.LockWaitMicros != 50 || c.DBCalls == nil || *c.DBCalls != 0 {
		t.Fatalf("costs %+v", c)
	}
	if c := costsPerRequest(costCounters{}, costCounters{cpuSeconds: 1}, 10); c.LockWaitMicros != nil || c.DBCalls != nil {
		t.Fatalf("counters the server does not export were reported: %+v", c)
	}
}
