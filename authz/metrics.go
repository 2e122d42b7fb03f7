package authz

import "github.com/prometheus/client_golang/prometheus"

var (
	checksDesc = prometheus.NewDesc("velro_authz_checks_total",
		"Authorization checks by cache layer and outcome (hit: the layer answered; miss: it passed the check on).",
		[]string{"layer", "outcome"}, nil)
	l2ErrorsDesc = prometheus.NewDesc("velro_authz_l2_errors_total", "Failed L2 (Redis) cache operations.", nil, nil)
)

// Collector exposes the per-layer counters to Prometheus.
func (e *Engine) Collector() prometheus.Collector { return collector{e} }

type collector struct{ e *Engine }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- checksDesc
	ch <- l2ErrorsDesc
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	s := c.e.Stats()
	for _, l := range []struct {
		name string
		s    LayerStats
	}{{"l1", s.L1}, {"l2", s.L2}, {"l3", s.L3}} {
		ch <- prometheus.MustNewConstMetric(checksDesc, prometheus.CounterValue, float64(l.s.Hits), l.name, "hit")
		ch <- prometheus.MustNewConstMetric(checksDesc, prometheus.CounterValue, float64(l.s.Misses), l.name, "miss")
	}
	ch <- prometheus.MustNewConstMetric(checksDesc, prometheus.CounterValue, float64(s.Uncached), "none", "uncached")
	ch <- prometheus.MustNewConstMetric(l2ErrorsDesc, prometheus.CounterValue, float64(s.L2Errors))
}
