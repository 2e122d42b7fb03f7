package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/velro-ai/velro/internal/leaktest"
	"go.uber.org/goleak"
)

// stopCounter is a job queue that counts its stops.
type stopCounter struct{ stops atomic.Int32 }

func (s *stopCounter) Stop(context.Context) error { s.stops.Add(1); return nil }

// TestFailingServeStopsEverything: when serving fails, the queue is
// stopped and the background loops have ended by the time run returns the
// error (the stores close after it).
func TestFailingServeStopsEverything(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close() // Serve fails at once
	jobs := &stopCounter{}
	var loopEnded atomic.Bool
	l := &lifecycle{srv: &http.Server{}, ln: ln, jobs: jobs, timeout: time.Minute, log: slog.New(slog.DiscardHandler),
		loops: []func(context.Context){func(ctx context.Context) { <-ctx.Done(); loopEnded.Store(true) }}}
	if err := l.run(t.Context()); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("run returned %v, want Serve's error", err)
	}
	if n := jobs.stops.Load(); n != 1 || !loopEnded.Load() {
		t.Fatalf("after a failing Serve: queue stopped %d times, loop ended %v", n, loopEnded.Load())
	}
}

// TestPortTaken: a server that cannot listen says so and leaves nothing
// running behind it.
func TestPortTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	before := goleak.IgnoreCurrent()
	e := env{"VELRO_ADDR": taken.Addr().String(), "VELRO_DATA_DIR": t.TempDir(), "VELRO_LOG_LEVEL": "error"}
	err = run(t.Context(), []string{"velro"}, e.getenv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("run returned %v", err)
	}
	leaktest.VerifyNone(t, before)
}
