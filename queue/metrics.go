package queue

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river/rivertype"
	"github.com/velro-ai/velro/sqlstore"
)

var jobsDesc = prometheus.NewDesc("velro_jobs", "Generation jobs in the queue, by River state.", []string{"state"}, nil)

// Collector counts the queue's jobs by state at every scrape, reading
// River's table through db. A scrape the database does not answer in time
// leaves the counts out and logs why.
func Collector(db sqlstore.Querier, log *slog.Logger) prometheus.Collector {
	return jobCollector{db: db, log: log}
}

type jobCollector struct {
	db  sqlstore.Querier
	log *slog.Logger
}

func (c jobCollector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc }

func (c jobCollector) Collect(ch chan<- prometheus.Metric) {
	counts, err := c.count()
	if err != nil {
		c.log.Warn("counting queued jobs failed", "error", err)
		return
	}
	for _, state := range rivertype.JobStates() {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(counts[string(state)]), string(state))
	}
}

func (c jobCollector) count() (map[string]int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rows, err := c.db.Query(ctx, `SELECT CAST(state AS TEXT), count(*) FROM river_job GROUP BY state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[string]int64{}
	for rows.Next() {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			return nil, err
		}
		counts[state] = n
	}
	return counts, rows.Err()
}
