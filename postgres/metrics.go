package postgres

import (
	"github.com/IBM/pgxpoolprometheus"
	"github.com/prometheus/client_golang/prometheus"
)

// Collectors export the connection pools' statistics (pgxpool_*): the
// requests' and workers' as db_name "velro", the job queue's as
// "velro_queue".
func (db *DB) Collectors() []prometheus.Collector {
	return []prometheus.Collector{pgxpoolprometheus.NewCollector(db.pool, map[string]string{"db_name": "velro"}),
		pgxpoolprometheus.NewCollector(db.queue, map[string]string{"db_name": "velro_queue"})}
}
