package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/bus"
	"github.com/velro-ai/velro/guard"
	"github.com/velro-ai/velro/postgres"
	"github.com/velro-ai/velro/queue"
	"github.com/velro-ai/velro/redis"
	"github.com/velro-ai/velro/replica"
	"github.com/velro-ai/velro/sqlite"
	"github.com/velro-ai/velro/sqlstore"
)

// engine is a storage engine that can migrate itself.
type engine interface {
	sqlstore.Engine
	// Migrate applies the pending migrations and names them.
	Migrate(ctx context.Context) ([]string, error)
	// Collectors export its connection pools' statistics.
	Collectors() []prometheus.Collector
}

// deps are the external things a server runs on.
type deps struct {
	engine engine
	store  *sqlstore.Store
	redis  *redis.Client // nil without REDIS_URL
	bus    velro.Bus
	closer []func() error
	// loops run beside a server until it stops (the SQLite bus's watch).
	loops []func(ctx context.Context)
}

func (d *deps) Close() error {
	var errs []error
	for i := len(d.closer) - 1; i >= 0; i-- {
		errs = append(errs, d.closer[i]())
	}
	return errors.Join(errs...)
}

// openEngine opens PostgreSQL when DATABASE_URL is set, else SQLite in the
// data dir.
func openEngine(ctx context.Context, cfg *config) (engine, error) {
	if cfg.postgres != nil {
		db, err := postgres.Open(ctx, cfg.postgres)
		if err != nil {
			return nil, fmt.Errorf("DATABASE_URL: %w", err)
		}
		return db, nil
	}
	// While Litestream replicates, it alone checkpoints: any process that
	// may write beside the server leaves the WAL to it.
	return sqlite.OpenWith(ctx, cfg.sqlitePath(), sqlite.Options{ExternalCheckpoints: cfg.replica != nil})
}

// replicate streams the SQLite database to VELRO_REPLICA_URL until the
// deps close. Only the server replicates: the commands that open the
// database beside it must not start a second Litestream on it.
func (d *deps) replicate(ctx context.Context, cfg *config, stderr io.Writer, log *slog.Logger) error {
	db, ok := d.engine.(*sqlite.DB)
	if !ok || cfg.replica == nil {
		return nil
	}
	// Litestream's own log lines at info (compactions every 30 s) would
	// drown the access log.
	quiet := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: max(cfg.LogLevel, slog.LevelWarn)}))
	r, err := replica.Start(ctx, db.Path(), cfg.replica, quiet)
	if err != nil {
		return fmt.Errorf("VELRO_REPLICA_URL: %w", err)
	}
	// Litestream must close after every other connection to the file (its
	// locks are the process's): first among the closers, it runs last.
	d.closer = append([]func() error{func() error {
		ctx, cancel := context.WithTimeout(context.Background(), replicaCloseTimeout)
		defer cancel()
		return r.Close(ctx)
	}}, d.closer...)
	log.Info("replicating the database", "replica", cfg.replica.String())
	return nil
}

// replicaCloseTimeout bounds the last copy to the replica at shutdown.
const replicaCloseTimeout = 10 * time.Second

// migrateAll applies Velro's migrations, then the job queue's, and names
// those it applied.
func migrateAll(ctx context.Context, e engine) ([]string, error) {
	applied, err := e.Migrate(ctx)
	if err != nil {
		return nil, err
	}
	var jobs []string
	switch db := e.(type) {
	case *sqlite.DB:
		jobs, err = queue.MigrateSQLite(ctx, db)
	case *postgres.DB:
		jobs, err = queue.MigratePostgres(ctx, db)
	default:
		err = fmt.Errorf("no job queue for engine %s", e.Name())
	}
	return append(applied, jobs...), err
}

// newQueue returns the job queue on the engine's database.
func newQueue(e engine, cfg queue.Config) (queue.Queue, error) {
	switch db := e.(type) {
	case *sqlite.DB:
		return queue.NewSQLite(db, cfg)
	case *postgres.DB:
		return queue.NewPostgres(db, cfg)
	}
	return nil, fmt.Errorf("no job queue for engine %s", e.Name())
}

// openDeps connects Redis when configured, then opens and migrates
// storage: a Redis that does not answer stops the server before it
// changed anything.
func openDeps(ctx context.Context, cfg *config, log *slog.Logger) (_ *deps, err error) {
	d := &deps{}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if cfg.redis != nil {
		opts := *cfg.redis
		opts.CallTimeout = cfg.RedisTimeout
		if d.redis, err = redis.Open(ctx, &opts, cfg.RedisPrefix); err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		d.closer = append(d.closer, d.redis.Close)
	}
	if d.engine, err = openEngine(ctx, cfg); err != nil {
		return nil, err
	}
	d.closer = append(d.closer, d.engine.Close)
	applied, err := migrateAll(ctx, d.engine)
	if err != nil {
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("applied database migrations", "migrations", applied)
	}
	d.store = sqlstore.New(d.engine, cfg.DBTimeout)
	d.store.LimitActiveGenerations(cfg.MaxActiveGenerations)

	if d.redis == nil {
		return d, d.openDatabaseBus(ctx, log)
	}
	redisBus, err := redis.NewBus(ctx, d.redis, log)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: subscribe: %w", err)
	}
	d.closer = append(d.closer, redisBus.Close)
	d.bus = redisBus
	if db, ok := d.engine.(*postgres.DB); ok {
		// What an instance cut off from Redis writes still reaches the
		// others, over the database they share.
		pgBus, err := postgres.NewBus(ctx, db, log)
		if err != nil {
			return nil, fmt.Errorf("DATABASE_URL: listen for events: %w", err)
		}
		d.closer = append(d.closer, pgBus.Close)
		d.bus = &bus.Fallback{Bus: redisBus, Second: pgBus}
	}
	return d, nil
}

// openDatabaseBus carries events between instances without Redis: over
// LISTEN/NOTIFY on PostgreSQL; SQLite serves one instance, so in process,
// with account changes of other processes (the CLI) read from the file.
func (d *deps) openDatabaseBus(ctx context.Context, log *slog.Logger) error {
	if db, ok := d.engine.(*sqlite.DB); ok {
		b, err := sqlite.NewBus(ctx, db, log)
		if err != nil {
			return err
		}
		d.closer = append(d.closer, b.Close)
		d.loops = append(d.loops, func(ctx context.Context) { b.Watch(ctx, sqlite.WatchEvery) })
		d.bus = b
		return nil
	}
	db, ok := d.engine.(*postgres.DB)
	if !ok {
		return fmt.Errorf("no event bus for engine %s", d.engine.Name())
	}
	pgBus, err := postgres.NewBus(ctx, db, log)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: listen for events: %w", err)
	}
	d.closer = append(d.closer, pgBus.Close)
	d.bus = pgBus
	return nil
}

func migrate(ctx context.Context, cfg *config, stdout interface{ Write([]byte) (int, error) }) error {
	if err := cfg.prepareDataDir(); err != nil {
		return err
	}
	e, err := openEngine(ctx, cfg)
	if err != nil {
		return err
	}
	defer e.Close()
	applied, err := migrateAll(ctx, e)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(stdout, "velro: %s database is up to date: nothing to apply\n", e.Name())
		return nil
	}
	fmt.Fprintf(stdout, "velro: %s database: applied %d migrations:\n", e.Name(), len(applied))
	for _, name := range applied {
		fmt.Fprintf(stdout, "  %s\n", name)
	}
	return nil
}

// authzL2 is the shared authorization cache: Redis when configured and the
// cache is on.
// guarded is how every process writes (servers and the commands beside
// them alike): through the guard, which publishes each write's effects to
// the caches of the authorization engine it returns, L2 in Redis included
// when configured. observer may be nil.
func (d *deps) guarded(cfg *config, log *slog.Logger, observer velro.Observer) (*guard.Store, *authz.Engine) {
	engine := authz.New(authz.Config{Store: d.store, Bus: d.bus, L2: d.authzL2(cfg), Disabled: !cfg.AuthzCache,
		L1Size: cfg.AuthzL1Size, L1TTL: cfg.AuthzL1TTL, Log: log, Observer: observer})
	return guard.New(d.store, engine, d.bus), engine
}

func (d *deps) authzL2(cfg *config) authz.L2 {
	if d.redis == nil || !cfg.AuthzCache {
		return nil
	}
	return redis.NewAuthzCache(d.redis, cfg.AuthzL2TTL)
}
