// Package postgres is Velro's shared storage engine: PostgreSQL through pgx
// v5 and pgxpool. Any number of Velro instances may share one database.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/velro-ai/velro/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is an open PostgreSQL database: the pool of requests and workers,
// and the job queue's own (see Options). It implements sqlstore.Engine.
type DB struct {
	pool  *pgxpool.Pool
	queue *pgxpool.Pool
	cfg   *pgxpool.Config
}

var _ sqlstore.Engine = (*DB)(nil)

// Options size the pools and bound statements.
type Options struct {
	// MaxConns is the size of the pool of requests and workers; 0 sizes
	// it as pgx would for the requests (max(4, CPUs)) plus one connection
	// per worker, so busy workers never take the requests' share.
	MaxConns int32
	// Workers is how many generation jobs run at once (VELRO_WORKERS).
	Workers int
	// Timeout is the callers' deadline of a database call
	// (VELRO_DB_TIMEOUT; sqlstore.DefaultTimeout when zero). The server
	// cancels a statement running statementGrace longer, so a runaway
	// query stops using the database once its caller gave up.
	Timeout time.Duration
}

// statementGrace is how much longer than the callers' deadline the server
// lets a statement run.
const statementGrace = time.Second

// queueConns is the job queue's pool (River's notifier holds one; the
// fetches of its two queues, the job completer and the leader's
// maintenance share the others). Jobs run their own queries on the main
// pool, within their worker's share.
const queueConns = 4

// queueStatementTimeout bounds the job queue's statements in the server:
// River's maintenance allows itself up to a minute (reindexing).
const queueStatementTimeout = 70 * time.Second

// ParseURL checks a DATABASE_URL and applies the options.
func ParseURL(databaseURL string, o Options) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, err
	}
	// What DATABASE_URL sets itself (pool_max_conns, statement_timeout)
	// stays; VELRO_DB_MAX_CONNS overrides the URL's pool size.
	switch {
	case o.MaxConns > 0:
		cfg.MaxConns = o.MaxConns
	case !strings.Contains(databaseURL, "pool_max_conns"):
		cfg.MaxConns = int32(max(4, runtime.NumCPU()) + o.Workers)
	}
	if o.Timeout <= 0 {
		o.Timeout = sqlstore.DefaultTimeout
	}
	if _, set := cfg.ConnConfig.RuntimeParams["statement_timeout"]; !set {
		setStatementTimeout(cfg, o.Timeout+statementGrace)
	}
	return cfg, nil
}

func setStatementTimeout(cfg *pgxpool.Config, d time.Duration) {
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(d.Milliseconds(), 10)
}

// Open connects the pools; it fails if the database does not answer.
func Open(ctx context.Context, cfg *pgxpool.Config) (*DB, error) {
	pool, err := connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	queueCfg := cfg.Copy()
	queueCfg.MaxConns = queueConns
	setStatementTimeout(queueCfg, queueStatementTimeout)
	queue, err := pgxpool.NewWithConfig(ctx, queueCfg) // connects when first used
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &DB{pool: pool, queue: queue, cfg: cfg}, nil
}

func connect(ctx context.Context, cfg *pgxpool.Config) (*pgxpool.Pool, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	return pool, nil
}

// Pool is the pool of requests and workers.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// QueuePool is the job queue's own pool: River's notifier, fetches and
// maintenance cannot take the requests' connections.
func (db *DB) QueuePool() *pgxpool.Pool { return db.queue }

// Unbounded runs fn on a pool of its own without the statement timeout,
// for migrations, whose statements may rightly run long.
func (db *DB) Unbounded(ctx context.Context, fn func(*pgxpool.Pool) error) error {
	cfg := db.cfg.Copy()
	cfg.MaxConns = 2
	delete(cfg.ConnConfig.RuntimeParams, "statement_timeout")
	pool, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	return fn(pool)
}

// Migrate applies the embedded migrations under a session advisory lock, so
// instances that start together migrate once, and names those it applied.
//
// A rolling deploy runs them while older instances serve, so a migration
// that builds or drops an index of a table it does not create does it
// CONCURRENTLY, under "-- +goose NO TRANSACTION" (TestIndexMigrationsConcurrent
// holds every file to this). goose records such a version only after its
// last statement, so a failed run is retried whole: each build drops the
// index first, clearing one a failed build left invalid. goose never runs an
// applied version again and keeps no checksum, so rewriting 00004, 00030
// and 00045 this way changed nothing where they had run.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	var applied []string
	err = db.Unbounded(ctx, func(pool *pgxpool.Pool) (err error) {
		sqlDB := stdlib.OpenDBFromPool(pool)
		defer sqlDB.Close() // closes the wrapper, not the pool
		applied, err = sqlstore.Migrate(ctx, goose.DialectPostgres, sqlDB, sub, goose.WithSessionLocker(locker))
		return err
	})
	return applied, err
}

// Name implements sqlstore.Engine.
func (db *DB) Name() string { return "postgres" }

// Reader implements sqlstore.Engine.
func (db *DB) Reader() sqlstore.Querier { return querier{db.pool} }

// Writer implements sqlstore.Engine.
func (db *DB) Writer() sqlstore.Querier { return querier{db.pool} }

// InTx implements sqlstore.Engine.
func (db *DB) InTx(ctx context.Context, fn func(tx sqlstore.Querier) error) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error { return fn(querier{tx}) })
}

// Lock implements sqlstore.Engine with a transaction-level advisory lock.
func (db *DB) Lock(ctx context.Context, tx sqlstore.Querier, l sqlstore.Lock) error {
	query := `SELECT pg_advisory_xact_lock($1)`
	if l.Shared {
		query = `SELECT pg_advisory_xact_lock_shared($1)`
	}
	_, err := tx.Exec(ctx, query, l.Key)
	return err
}

// Ping implements sqlstore.Engine.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// IsUniqueViolation implements sqlstore.Engine.
func (db *DB) IsUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// IsForeignKeyViolation implements sqlstore.Engine.
func (db *DB) IsForeignKeyViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23503"
}

// IsUnavailable implements sqlstore.Engine: no connection could be made or
// the server is shutting down.
func (db *DB) IsUnavailable(err error) bool {
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	var pgErr *pgconn.PgError
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		(errors.As(err, &pgErr) && (pgErr.Code[:2] == "57" || pgErr.Code[:2] == "08"))
}

// Close implements sqlstore.Engine.
func (db *DB) Close() error {
	db.queue.Close()
	db.pool.Close()
	return nil
}
