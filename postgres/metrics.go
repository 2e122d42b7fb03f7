package postgres

import (
	"github.com/IBM/pgxpoolprometheus"
	"github.com/prometheus/client_golang/prometheus"
)

// Collectors export the connection pool's statistics (pgxpool_*).
func (db *DB) Collectors() []prometheus.Collector {
	return []prometheus.Collector{pgxpoolprometheus.NewCollector(db.pool, map[string]string{"db_name": "velro"})}
}
