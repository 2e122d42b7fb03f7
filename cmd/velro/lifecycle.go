package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// stopper is what shuts down beside the HTTP server: the job queue.
type stopper interface {
	// Stop finishes running work until ctx ends, then cancels it.
	Stop(ctx context.Context) error
}

// lifecycle ties a server's parts together: it serves on ln and runs the
// background loops until ctx ends (the signal) or serving fails, then shuts
// the server and jobs down at once, each within timeout, and returns only
// once every goroutine it started has returned, so what they use (the
// database) may close after it.
type lifecycle struct {
	srv     *http.Server
	ln      net.Listener
	jobs    stopper
	loops   []func(ctx context.Context) // each returns once ctx ends
	timeout time.Duration
	log     *slog.Logger
}

// run returns serving's error, or the shutdown's; a shutdown that ran out
// of time (requests cut, jobs cancelled and retried later) is logged, not
// an error.
func (l *lifecycle) run(ctx context.Context) error {
	// Requests still running when the timeout ends are cancelled.
	requests, cancelRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRequests()
	l.srv.BaseContext = func(net.Listener) context.Context { return requests }

	g, gctx := errgroup.WithContext(ctx)
	for _, loop := range l.loops {
		g.Go(func() error { loop(gctx); return nil })
	}
	g.Go(func() error {
		if err := l.srv.Serve(l.ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		l.log.Info("shutting down")
		return l.shutdown(cancelRequests)
	})
	return g.Wait()
}

// shutdown stops taking requests and jobs and finishes those that run,
// within the timeout; it stops the server (open streams end at once) and
// the queue side by side.
func (l *lifecycle) shutdown(cancelRequests func()) error {
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	defer cancel()
	var wg sync.WaitGroup
	var serverErr, jobsErr error
	wg.Go(func() {
		if serverErr = l.srv.Shutdown(ctx); serverErr != nil {
			cancelRequests()
			l.srv.Close()
		}
	})
	wg.Go(func() { jobsErr = l.jobs.Stop(ctx) })
	wg.Wait()
	err := errors.Join(serverErr, jobsErr)
	if errors.Is(err, context.DeadlineExceeded) {
		l.log.Warn("shutdown timed out: requests still running were cut, jobs still running were cancelled (they run again later)", "timeout", l.timeout)
		return nil
	}
	return err
}
