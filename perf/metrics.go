package perf

import (
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/velro-ai/velro"
)

// httpMetrics are the request metrics of /metrics.
type httpMetrics struct {
	duration *prometheus.HistogramVec
	// observers caches duration's children, copied on write: a request
	// reads it with no lock, no allocation and no reflection.
	observers atomic.Pointer[map[requestKey]prometheus.Observer]
	mu        sync.Mutex // serialises the writers of observers
	inFlight  atomic.Int64
	streams   atomic.Int64
}

type requestKey struct {
	method, route string
	status        int
}

func newHTTPMetrics() *httpMetrics {
	m := &httpMetrics{duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "velro_http_request_duration_seconds",
		Help:    "HTTP requests by method, route pattern and status: how long they took.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route", "status"})}
	m.observers.Store(&map[requestKey]prometheus.Observer{})
	return m
}

// observer returns the histogram child of a label combination.
func (m *httpMetrics) observer(key requestKey) prometheus.Observer {
	if o, ok := (*m.observers.Load())[key]; ok {
		return o
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := *m.observers.Load()
	if o, ok := seen[key]; ok {
		return o
	}
	next := maps.Clone(seen)
	next[key] = m.duration.WithLabelValues(key.method, key.route, strconv.Itoa(key.status))
	m.observers.Store(&next)
	return next[key]
}

func (m *httpMetrics) collectors() []prometheus.Collector {
	gauge := func(name, help string, v *atomic.Int64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return float64(v.Load()) })
	}
	return []prometheus.Collector{m.duration,
		gauge("velro_http_requests_in_flight", "HTTP requests being served.", &m.inFlight),
		gauge("velro_sse_streams_open", "Server-sent event streams open.", &m.streams)}
}

// RequestStarted counts a request in flight until RequestDone. Like the
// other request methods, it does nothing on a nil Tracker (tracking off).
func (t *Tracker) RequestStarted() {
	if t != nil {
		t.http.inFlight.Add(1)
	}
}

// RequestDone records a finished request. pattern is the route pattern
// that served it ("GET /api/v1/generations/{id}"), never the raw path, so
// ids never become labels.
func (t *Tracker) RequestDone(method, pattern string, status int, d time.Duration) {
	if t == nil {
		return
	}
	t.http.inFlight.Add(-1)
	t.http.observer(labelsOf(method, pattern, status)).Observe(d.Seconds())
	s := t.current.Load()
	s.requests.Add(1)
	switch {
	case status >= 500:
		s.serverErrors.Add(1)
	case status >= 400:
		s.clientErrors.Add(1)
	}
}

// labelsOf returns a request's labels, from a set that clients cannot
// grow: the route is the pattern's path ("unmatched" when no route
// matched), the method the pattern's, and a method no route uses "other".
func labelsOf(method, pattern string, status int) requestKey {
	if pattern == "" {
		pattern = "unmatched"
	}
	if m, path, ok := strings.Cut(pattern, " "); ok {
		method, pattern = m, path
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other"
	}
	return requestKey{method: method, route: pattern, status: status}
}

// StreamOpened counts an event stream open until StreamClosed.
func (t *Tracker) StreamOpened() {
	if t != nil {
		t.http.streams.Add(1)
	}
}

// StreamClosed ends what StreamOpened counted.
func (t *Tracker) StreamClosed() {
	if t != nil {
		t.http.streams.Add(-1)
	}
}

// Collectors are the tracker's metrics, for a Prometheus registry.
func (t *Tracker) Collectors() []prometheus.Collector {
	return append(t.http.collectors(), operationCollector{t})
}

var (
	operationDurationDesc = prometheus.NewDesc("velro_operation_duration_seconds",
		"Tracked operations (README.md, Monitoring) by how long they took.", []string{"operation"}, nil)
	operationViolationsDesc = prometheus.NewDesc("velro_operation_violations_total",
		"Samples of a tracked operation over its latency target.", []string{"operation"}, nil)
	operationTargetDesc = prometheus.NewDesc("velro_operation_target_seconds",
		"Latency target of a tracked operation.", []string{"operation"}, nil)
)

// operationBuckets are the upper bounds of the exported operation
// histograms; they include the latency targets.
var operationBuckets = []time.Duration{time.Microsecond, 10 * time.Microsecond, 100 * time.Microsecond,
	250 * time.Microsecond, 500 * time.Microsecond, time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond,
	10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond, 75 * time.Millisecond, 100 * time.Millisecond,
	250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2500 * time.Millisecond, 5 * time.Second, 10 * time.Second}

// operationCollector exports the tracker's histograms since start.
type operationCollector struct{ t *Tracker }

func (c operationCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- operationDurationDesc
	ch <- operationViolationsDesc
	ch <- operationTargetDesc
}

func (c operationCollector) Collect(ch chan<- prometheus.Metric) {
	for op, total := range c.t.sinceStart() {
		name := velro.Operation(op).String()
		ch <- prometheus.MustNewConstHistogram(operationDurationDesc, total.count, time.Duration(total.sum).Seconds(),
			promBuckets(total), name)
		ch <- prometheus.MustNewConstMetric(operationViolationsDesc, prometheus.CounterValue, float64(total.violations), name)
		ch <- prometheus.MustNewConstMetric(operationTargetDesc, prometheus.GaugeValue, targets[op].Seconds(), name)
	}
}

// sinceStart adds up every sample recorded so far, per operation.
func (t *Tracker) sinceStart() [velro.OperationCount]*counts {
	var out [velro.OperationCount]*counts
	t.mu.Lock()
	defer t.mu.Unlock()
	for op := range out {
		out[op] = newCounts()
		out[op].merge(t.totals[op])
		for _, s := range t.slots {
			if s != nil && !s.folded {
				out[op].add(&s.ops[op])
			}
		}
	}
	return out
}

// promBuckets converts counts to Prometheus's cumulative buckets: a
// tracker bucket counts toward the first bound at or above its middle, so
// a bound is off by at most half a bucket (3 %).
func promBuckets(c *counts) map[float64]uint64 {
	out := make(map[float64]uint64, len(operationBuckets))
	var cumulative uint64
	i := 0
	for _, bound := range operationBuckets {
		for ; i < numBuckets; i++ {
			lower, upper := bucketBounds(i)
			if (lower+upper-1)/2 > int64(bound) {
				break
			}
			cumulative += c.buckets[i]
		}
		out[bound.Seconds()] = cumulative
	}
	return out
}
