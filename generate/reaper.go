package generate

import (
	"context"
	"log/slog"
	"time"
)

// Reaper ends generations whose job was lost. The queue retries a job whose
// worker crashed, but a job that crashed on its last attempt is dropped
// without running again; its generation would wait forever, charged. The
// reaper fails (and so refunds) any generation in flight for longer than a
// job could possibly take.
type Reaper struct {
	Store JobStore
	Log   *slog.Logger
	// After is the longest a generation can legitimately stay in flight.
	After time.Duration
	// Every is how often to look (default a minute).
	Every time.Duration
}

// Run reaps until ctx ends.
func (r *Reaper) Run(ctx context.Context) {
	every := r.Every
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		r.Reap(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Reap fails the generations in flight for longer than After, once.
func (r *Reaper) Reap(ctx context.Context) {
	ids, err := r.Store.StaleGenerations(ctx, time.Now().Add(-r.After), 100)
	if err != nil {
		r.Log.WarnContext(ctx, "reaper: listing stale generations failed", "error", err)
		return
	}
	for _, id := range ids {
		ended, _, err := r.Store.FailGeneration(ctx, id, "Generation timed out: its job was lost.")
		if err != nil {
			r.Log.WarnContext(ctx, "reaper: failing a stale generation failed", "generation_id", id, "error", err)
			continue
		}
		if ended {
			r.Log.WarnContext(ctx, "reaper: failed and refunded a stale generation", "generation_id", id)
		}
	}
}
