// Package queue runs Velro's jobs on River (riverpgxv5 on PostgreSQL,
// riversqlite on SQLite): generations, and mails. Jobs are inserted in the
// transaction of the write that causes them (InsertTx), survive restarts
// and are picked up by any instance.
package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	"github.com/velro-ai/velro/postgres"
	"github.com/velro-ai/velro/sqlite"
	"github.com/velro-ai/velro/sqlstore"
)

// GenerateArgs is the job that runs one generation.
type GenerateArgs struct {
	GenerationID uuid.UUID `json:"generation_id"`
}

// Kind implements river.JobArgs.
func (GenerateArgs) Kind() string { return "generate" }

// Runner does a generation's work. attempt counts from 1; on the last
// attempt a transient failure must end the generation. An error that wraps
// Config.Interrupted (shutdown) runs the job again without using up an
// attempt.
type Runner interface {
	Run(ctx context.Context, generationID uuid.UUID, attempt, maxAttempts int) error
	// Timeout bounds one attempt.
	Timeout() time.Duration
}

// Config tunes the queue.
type Config struct {
	Runner Runner
	// Mailer sends the mail jobs; without one they fail (and are retried).
	Mailer  Mailer
	Workers int // concurrent jobs per instance, default 4
	// MaxAttempts per job, default 3.
	MaxAttempts int
	// RescueAfter: a job running longer is presumed lost with its worker
	// (a crash) and run again. Must exceed Runner.Timeout().
	RescueAfter time.Duration
	// Interrupted is the error a Runner wraps when an attempt was cut short
	// rather than failed.
	Interrupted error
	Log         *slog.Logger
}

// Queue inserts and runs generation jobs.
type Queue interface {
	sqlstore.JobInserter
	Start(ctx context.Context) error
	// Stop stops fetching and waits for running jobs until shortly before
	// ctx ends, then cancels them (they are retried later, by this or
	// another instance); it returns by the time ctx ends.
	Stop(ctx context.Context) error
}

type riverQueue[TTx any] struct {
	client      *river.Client[TTx]
	unwrap      func(sqlstore.Querier) (TTx, bool)
	maxAttempts int
}

// NewSQLite returns a queue on the SQLite database's writer connection.
func NewSQLite(db *sqlite.DB, cfg Config) (Queue, error) {
	return newQueue(riversqlite.New(db.Pool()), sqlite.Tx, cfg)
}

// NewPostgres returns a queue on the database's queue pool: River's
// notifier, fetches and maintenance never wait for, nor take, the
// connections of requests. Jobs are inserted in the requests'
// transactions.
func NewPostgres(db *postgres.DB, cfg Config) (Queue, error) {
	return newQueue(riverpgxv5.New(db.QueuePool()), postgres.Tx, cfg)
}

// MigrateSQLite applies River's migrations and names those it applied.
func MigrateSQLite(ctx context.Context, db *sqlite.DB) ([]string, error) {
	return migrate(ctx, riversqlite.New(db.Pool()))
}

// MigratePostgres applies River's migrations (with no statement timeout)
// and names those it applied.
func MigratePostgres(ctx context.Context, db *postgres.DB) (applied []string, err error) {
	err = db.Unbounded(ctx, func(pool *pgxpool.Pool) (err error) {
		applied, err = migrate(ctx, riverpgxv5.New(pool))
		return err
	})
	return applied, err
}

func migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) ([]string, error) {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, fmt.Errorf("job queue migrations: %w", err)
	}
	applied := make([]string, len(res.Versions))
	for i, v := range res.Versions {
		applied[i] = fmt.Sprintf("job queue %03d %s", v.Version, v.Name)
	}
	return applied, nil
}

func newQueue[TTx any](driver riverdriver.Driver[TTx], unwrap func(sqlstore.Querier) (TTx, bool), cfg Config) (Queue, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &worker{runner: cfg.Runner, interrupted: cfg.Interrupted}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &mailWorker{mailer: cfg.Mailer, log: cfg.Log}); err != nil {
		return nil, err
	}
	client, err := river.NewClient(driver, &river.Config{
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: cfg.Workers},
			MailQueue:          {MaxWorkers: mailWorkers, FetchPollInterval: time.Second},
		},
		Workers: workers,
		// Inserts wake the workers (PostgreSQL: LISTEN/NOTIFY; SQLite:
		// River's outbox, polled every 50 ms), so the fetch poll is a
		// fallback: every 100 ms for generations (some wake-ups are missed:
		// on PostgreSQL 5 % of pickups waited for the poll), every second
		// for mail. A poll every 20 ms per queue cost an idle server 12 % of
		// a core on SQLite (each poll parses River's fetch statement anew).
		// The short cooldown lets a burst's jobs follow each other closely.
		FetchCooldown:        10 * time.Millisecond,
		FetchPollInterval:    100 * time.Millisecond,
		JobTimeout:           cfg.Runner.Timeout(),
		RescueStuckJobsAfter: cfg.RescueAfter,
		MaxAttempts:          cfg.MaxAttempts,
		RetryPolicy:          retryPolicy{},
		Logger:               cfg.Log.With("component", "river"),
	})
	if err != nil {
		return nil, err
	}
	return &riverQueue[TTx]{client: client, unwrap: unwrap, maxAttempts: cfg.MaxAttempts}, nil
}

// InsertGenerationJob implements sqlstore.JobInserter. Workers take jobs
// by priority, then in order (River, on both drivers), and a user's job
// is the more urgent the fewer generations the user has in flight: one
// user's backlog sinks below everyone else's first generations, so it
// cannot starve them.
func (q *riverQueue[TTx]) InsertGenerationJob(ctx context.Context, tx sqlstore.Querier, id uuid.UUID, active int) error {
	raw, ok := q.unwrap(tx)
	if !ok {
		return errors.New("queue: InsertGenerationJob needs this engine's transaction")
	}
	_, err := q.client.InsertTx(ctx, raw, GenerateArgs{GenerationID: id}, &river.InsertOpts{MaxAttempts: q.maxAttempts, Priority: priority(active)})
	return err
}

// priority is River's priority (1 first, 4 last) of a generation whose
// user has active others in flight: the 1st gets 1, the 2nd 2, the 4th
// and later 4.
func priority(active int) int { return min(active+1, lowestPriority) }

// lowestPriority is River's lowest job priority.
const lowestPriority = 4

func (q *riverQueue[TTx]) Start(ctx context.Context) error { return q.client.Start(ctx) }

// Stop waits for running jobs through the first three quarters of ctx's
// time, then cancels them and waits for them to return through the rest:
// both waits end with ctx.
func (q *riverQueue[TTx]) Stop(ctx context.Context) error {
	graceful := ctx
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		graceful, cancel = context.WithDeadline(ctx, deadline.Add(-time.Until(deadline)/4))
		defer cancel()
	}
	if err := q.client.Stop(graceful); err != nil {
		return q.client.StopAndCancel(ctx)
	}
	return nil
}

// worker adapts a Runner to River.
type worker struct {
	river.WorkerDefaults[GenerateArgs]
	runner      Runner
	interrupted error
}

func (w *worker) Work(ctx context.Context, job *river.Job[GenerateArgs]) error {
	err := w.runner.Run(ctx, job.Args.GenerationID, job.Attempt, job.MaxAttempts)
	// err != nil first: errors.Is(nil, nil) is true, and a queue made
	// without Interrupted snoozed every finished job to run it again.
	if err != nil && errors.Is(err, w.interrupted) {
		return river.JobSnooze(time.Second)
	}
	return err
}

// retryPolicy retries soon: a provider hiccup should not keep a user
// waiting for minutes.
type retryPolicy struct{}

func (retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(time.Duration(job.Attempt) * 2 * time.Second)
}
