package loadtest

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// metricsClient reads the server's process figures from its Prometheus
// endpoint: the standard process collector's memory and file gauges, and
// the counters that say what requests cost.
type metricsClient struct {
	url, token string
	client     *http.Client
}

type processFigures struct {
	rss, openFDs, maxFDs int64
	counters             costCounters
}

// costCounters are cumulative: a row's cost is their difference over it.
// has says which the server exports (the lock wait needs a Velro that
// exports it; database calls need performance tracking on).
type costCounters struct {
	cpuSeconds, lockWaitSeconds, dbCalls float64
	hasLockWait, hasDBCalls              bool
}

func (m *metricsClient) read(ctx context.Context) (*processFigures, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url, nil)
	if err != nil {
		return nil, err
	}
	if m.token != "" {
		req.Header.Set("Authorization", "Bearer "+m.token)
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: HTTP %d (set --metrics-token if the server protects it)", resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET /metrics: %w", err)
	}
	gauge := func(name string) int64 {
		f := families[name]
		if f == nil || len(f.GetMetric()) == 0 {
			return 0
		}
		return int64(f.GetMetric()[0].GetGauge().GetValue())
	}
	p := &processFigures{rss: gauge("process_resident_memory_bytes"), openFDs: gauge("process_open_fds"), maxFDs: gauge("process_max_fds")}
	if f := families["process_cpu_seconds_total"]; f != nil && len(f.GetMetric()) > 0 {
		p.counters.cpuSeconds = f.GetMetric()[0].GetCounter().GetValue()
	}
	if f := families["go_sync_mutex_wait_total_seconds_total"]; f != nil && len(f.GetMetric()) > 0 {
		p.counters.lockWaitSeconds, p.counters.hasLockWait = f.GetMetric()[0].GetCounter().GetValue(), true
	}
	for _, m := range families["velro_operation_duration_seconds"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "operation" && l.GetValue() == "db_query" {
				p.counters.dbCalls, p.counters.hasDBCalls = float64(m.GetHistogram().GetSampleCount()), true
			}
		}
	}
	if p.rss == 0 {
		return nil, fmt.Errorf("GET /metrics: no process_resident_memory_bytes")
	}
	return p, nil
}

// costsPerRequest spreads what the counters grew by over n requests (the
// /metrics reads themselves cost two requests' worth: noise).
func costsPerRequest(before, after costCounters, n int64) *Costs {
	per := func(a, b float64) float64 { return (b - a) / float64(n) }
	c := &Costs{CPUMicros: per(before.cpuSeconds, after.cpuSeconds) * 1e6}
	if before.hasLockWait && after.hasLockWait {
		v := per(before.lockWaitSeconds, after.lockWaitSeconds) * 1e6
		c.LockWaitMicros = &v
	}
	if before.hasDBCalls && after.hasDBCalls {
		v := per(before.dbCalls, after.dbCalls)
		c.DBCalls = &v
	}
	return c
}

func (c *Costs) String() string {
	s := fmt.Sprintf("CPU %.1f µs", c.CPUMicros)
	if c.LockWaitMicros != nil {
		s += fmt.Sprintf(", lock wait %.2f µs", *c.LockWaitMicros)
	}
	if c.DBCalls != nil {
		s += fmt.Sprintf(", %.3f database calls", *c.DBCalls)
	}
	return s
}
