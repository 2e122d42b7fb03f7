package loadtest

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// metricsClient reads the server's process figures from its Prometheus
// endpoint: the standard process collector's memory and file gauges.
type metricsClient struct {
	url, token string
	client     *http.Client
}

type processFigures struct {
	rss, openFDs, maxFDs int64
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
	if p.rss == 0 {
		return nil, fmt.Errorf("GET /metrics: no process_resident_memory_bytes")
	}
	return p, nil
}
