package sqlite

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Collectors export the statistics of the two connection pools (go_sql_*,
// db_name sqlite_writer and sqlite_reader).
func (db *DB) Collectors() []prometheus.Collector {
	return []prometheus.Collector{collectors.NewDBStatsCollector(db.writer, "sqlite_writer"), collectors.NewDBStatsCollector(db.reader, "sqlite_reader")}
}
