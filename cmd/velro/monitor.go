package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/api"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/perf"
	"github.com/velro-ai/velro/queue"
)

// monitoring is the server's performance tracking and Prometheus metrics.
type monitoring struct {
	// tracker is nil with VELRO_PERF_TRACKING=off; observer is the tracker
	// as the services take it (a nil interface when off).
	tracker  *perf.Tracker
	observer velro.Observer
	registry *prometheus.Registry
}

// goCollector is Go's runtime collector plus the time goroutines spent
// waiting for locks (go_sync_mutex_wait_total_seconds): velro bench reads it
// to catch a lock that every request takes.
func goCollector() prometheus.Collector {
	return collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(
		collectors.GoRuntimeMetricsRule{Matcher: regexp.MustCompile(`^/sync/mutex/wait/total:seconds$`)}))
}

// newMonitoring registers the runtime, database pool and job queue metrics
// and, with tracking on, the tracker, which starts timing database calls.
func newMonitoring(cfg *config, d *deps, log *slog.Logger) *monitoring {
	m := &monitoring{registry: prometheus.NewRegistry()}
	m.registry.MustRegister(goCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		queue.Collector(d.engine.Reader(), log))
	m.registry.MustRegister(d.engine.Collectors()...)
	if cfg.PerfTracking {
		m.tracker = perf.New(perf.Config{Log: log})
		m.observer = m.tracker
		m.registry.MustRegister(m.tracker.Collectors()...)
		d.store.UseObserver(m.tracker)
	}
	return m
}

// register exports the authorization engine's counters.
func (m *monitoring) register(engine *authz.Engine) {
	m.registry.MustRegister(engine.Collector())
}

// metrics serves the registry's metrics, to holders of VELRO_METRICS_TOKEN
// when it is set.
func (m *monitoring) metrics(cfg *config) http.Handler {
	return api.MetricsHandler(promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}), cfg.MetricsToken)
}

// apiMetrics is what the API serves at /metrics: nothing when
// VELRO_METRICS_ADDR moves the metrics to an address of their own.
func (m *monitoring) apiMetrics(cfg *config) http.Handler {
	if cfg.MetricsAddr != "" {
		return nil
	}
	return m.metrics(cfg)
}

// metricsServer serves /metrics alone, on ln (VELRO_METRICS_ADDR's).
func (m *monitoring) metricsServer(cfg *config, ln net.Listener, log *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.metrics(cfg))
	log.Info("metrics served on their own address", "addr", ln.Addr().String())
	return &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
}

// serveUntil serves on ln until ctx ends.
func serveUntil(srv *http.Server, ln net.Listener) func(context.Context) {
	return func(ctx context.Context) {
		defer context.AfterFunc(ctx, func() { srv.Close() })()
		srv.Serve(ln)
	}
}
