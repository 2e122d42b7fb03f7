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

// DB is an open PostgreSQL pool; it implements sqlstore.Engine.
type DB struct {
	pool *pgxpool.Pool
}

var _ sqlstore.Engine = (*DB)(nil)

// ParseURL checks a DATABASE_URL and applies the pool size (0 keeps pgx's
// default of max(4, CPUs)).
func ParseURL(databaseURL string, maxConns int32) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, err
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	return cfg, nil
}

// Open connects a pool; it fails if the database does not answer.
func Open(ctx context.Context, cfg *pgxpool.Config) (*DB, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	return &DB{pool: pool}, nil
}

// Pool is the underlying pgx pool; the job queue shares it.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Migrate applies the embedded migrations under a session advisory lock, so
// instances that start together migrate once, and names those it applied.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	sqlDB := stdlib.OpenDBFromPool(db.pool)
	defer sqlDB.Close() // closes the wrapper, not the pool
	return sqlstore.Migrate(ctx, goose.DialectPostgres, sqlDB, sub, goose.WithSessionLocker(locker))
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
	db.pool.Close()
	return nil
}
