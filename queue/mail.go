package queue

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/sqlstore"
)

// MailArgs is the job that sends one mail.
type MailArgs struct {
	Mail velro.MailJob `json:"mail"`
}

// Kind implements river.JobArgs.
func (MailArgs) Kind() string { return "mail" }

// Mail jobs run on a queue of their own, so a slow mail server never holds
// up generations (and the other way round), a few at a time, and are
// retried with exponential backoff for about ten hours: 2 s, 4 s, 8 s ...
// up to an hour between attempts.
const (
	MailQueue    = "mail"
	mailWorkers  = 2
	MailAttempts = 20
	mailTimeout  = time.Minute
	mailMaxDelay = time.Hour
)

// InsertOpts implements river.JobArgsWithInsertOpts.
func (MailArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: MailQueue, MaxAttempts: MailAttempts}
}

// Mailer sends the mail a job names (mail.Postman).
type Mailer interface {
	Send(ctx context.Context, m velro.MailJob) error
}

// InsertMailJob implements sqlstore.JobInserter.
func (q *riverQueue[TTx]) InsertMailJob(ctx context.Context, tx sqlstore.Querier, m velro.MailJob) error {
	raw, ok := q.unwrap(tx)
	if !ok {
		return errors.New("queue: InsertMailJob needs this engine's transaction")
	}
	_, err := q.client.InsertTx(ctx, raw, MailArgs{Mail: m}, nil)
	return err
}

// mailWorker adapts a Mailer to River.
type mailWorker struct {
	river.WorkerDefaults[MailArgs]
	mailer Mailer
	log    *slog.Logger
}

var errNoMailer = errors.New("queue: no mailer configured")

func (w *mailWorker) Work(ctx context.Context, job *river.Job[MailArgs]) error {
	if w.mailer == nil {
		return errNoMailer
	}
	err := w.mailer.Send(ctx, job.Args.Mail)
	switch {
	case err == nil:
	case job.Attempt >= job.MaxAttempts:
		w.log.ErrorContext(ctx, "mail not sent; giving up", "kind", job.Args.Mail.Kind, "job_id", job.ID, "attempts", job.Attempt, "error", err)
	default:
		w.log.WarnContext(ctx, "mail not sent; will retry", "kind", job.Args.Mail.Kind, "job_id", job.ID, "attempt", job.Attempt,
			"retry_at", w.NextRetry(job), "error", err)
	}
	return err
}

// NextRetry implements river.Worker: exponential backoff.
func (w *mailWorker) NextRetry(job *river.Job[MailArgs]) time.Time {
	return time.Now().Add(MailBackoff(job.Attempt))
}

// MailBackoff is the wait after the attempt-th failed attempt: 2^attempt
// seconds, at most an hour.
func MailBackoff(attempt int) time.Duration {
	if attempt >= 12 {
		return mailMaxDelay
	}
	return min(time.Duration(1<<attempt)*time.Second, mailMaxDelay)
}

// Timeout implements river.Worker.
func (w *mailWorker) Timeout(*river.Job[MailArgs]) time.Duration { return mailTimeout }
