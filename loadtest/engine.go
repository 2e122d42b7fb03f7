// Package loadtest is Velro's performance test suite (velro bench): it
// seeds its own accounts and data on any Velro server, offers load to it
// in scenarios, and reports throughput and latency percentiles against the
// product's targets, beside the ceiling of a trivial handler measured in
// the same run.
//
// Load is offered open-loop where a scenario states a rate: request i is
// due at start + i/rate whatever happened to earlier ones, and its latency
// runs from that due time, so a server that stalls shows the stall in
// every request that waited for it rather than in one (coordinated
// omission). Throughput scenarios run closed-loop instead, each connection
// sending its next request when the last is answered, as wrk does.
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// Shape is how load is offered.
type Shape struct {
	Connections int
	// Rate is the arrival rate in requests per second; 0 runs closed-loop,
	// as fast as each connection is answered.
	Rate     float64
	Duration time.Duration
}

func (s Shape) String() string {
	if s.Rate == 0 {
		return fmt.Sprintf("c=%s, max", thousands(int64(s.Connections)))
	}
	return fmt.Sprintf("%s/s, c=%s", thousands(int64(s.Rate)), thousands(int64(s.Connections)))
}

// Conn is one load-generating connection: a client with a single
// keep-alive connection of its own, a random source and the scenario's
// state for it.
type Conn struct {
	ID     int
	Client *http.Client
	Rand   *rand.Rand
	State  any
}

// Result is the outcome of one request.
type Result struct {
	Op    string // the operation, in scenarios that mix several
	Err   error  // no answer, or an unexpected one (*StatusError)
	Label string // e.g. which cache layer answered an authorize
	// Fatal stops the run: the scenario cannot go on (for example the
	// server throttles registrations).
	Fatal error
	// Stop says the scenario has nothing more to send (no request was
	// made): the run ends early.
	Stop bool
}

// Target sends one request on c.
type Target func(ctx context.Context, c *Conn) Result

// load is one run: a shape, a target and what prepares each connection.
type load struct {
	name    string
	base    string // the server, for opening the connections
	shape   Shape
	target  Target
	setup   func(ctx context.Context, c *Conn) error // optional
	timeout time.Duration
	out     *progress
	// held, if set, runs when the load is over but before the connections
	// close: what the server looks like while holding them.
	held func(ctx context.Context)
}

// measurement is what a run observed.
type measurement struct {
	shape      Shape
	elapsed    time.Duration
	tally      *tally
	missed     int64 // open-loop requests not started by the end
	exhausted  bool  // the scenario ran out of requests before the end
	opened     int   // connections open when the load began
	reconnects int64 // connections opened during the load (the server closed some)
	openErr    error // why connections failed to open
	fatal      error
}

// grace is how late, past the end of an open-loop run, a due request may
// still start; later ones count as missed, as a client would have given up.
const grace = time.Second

func (l *load) run(ctx context.Context) (*measurement, error) {
	m := &measurement{shape: l.shape}
	dials := &dialCounter{}
	conns := make([]*Conn, l.shape.Connections)
	for i := range conns {
		conns[i] = &Conn{ID: i, Client: newClient(1, l.timeout, dials), Rand: rand.New(rand.NewPCG(uint64(i), 0x5eed))}
	}
	defer func() {
		for _, c := range conns {
			c.Client.CloseIdleConnections()
		}
	}()
	conns, err := l.open(ctx, conns, m)
	if err != nil {
		return nil, err
	}
	m.opened = len(conns)
	opened := dials.dials.Load()

	rec := newRecorder(min(len(conns), 4*runtime.GOMAXPROCS(0)))
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	var started, done, failed, inFlight atomic.Int64
	var next atomic.Int64
	var total int64
	var interval float64
	if l.shape.Rate > 0 {
		interval = float64(time.Second) / l.shape.Rate
		total = int64(l.shape.Rate * l.shape.Duration.Seconds())
	}
	begin := time.Now()
	end := begin.Add(l.shape.Duration)
	var exhausted atomic.Bool
	// send makes one request due at due; false ends the connection's loop.
	send := func(c *Conn, due time.Time) bool {
		started.Add(1)
		inFlight.Add(1)
		res := l.target(runCtx, c)
		latency := time.Since(due)
		inFlight.Add(-1)
		switch {
		case res.Fatal != nil:
			stop(res.Fatal)
			return false
		case res.Stop:
			started.Add(-1)
			exhausted.Store(true)
			return false
		case runCtx.Err() != nil && res.Err != nil:
			return false // cut short by the end of the run, not the server's doing
		}
		rec.record(c.ID, res, latency, answered(res.Err))
		done.Add(1)
		if res.Err != nil {
			failed.Add(1)
		}
		return true
	}
	// due returns when the connection's next request is due, or false when
	// it has no more to send.
	due := func() (time.Time, bool) {
		if l.shape.Rate == 0 {
			now := time.Now()
			return now, now.Before(end)
		}
		i := next.Add(1) - 1
		if i >= total {
			return time.Time{}, false
		}
		at := begin.Add(time.Duration(float64(i) * interval))
		if wait := time.Until(at); wait > 0 {
			return at, sleep(runCtx, wait)
		}
		return at, time.Now().Before(end.Add(grace))
	}
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			for runCtx.Err() == nil && !exhausted.Load() {
				at, ok := due()
				if !ok || !send(c, at) {
					return
				}
			}
		})
	}
	stopProgress := l.out.start(runLine(l.name, l.shape, begin, func() progressState {
		s := progressState{done: done.Load(), failed: failed.Load(), inFlight: inFlight.Load()}
		if interval > 0 {
			due := min(total, int64(float64(time.Since(begin))/interval)+1)
			s.behind = max(0, due-started.Load())
		}
		return s
	}))
	wg.Wait()
	m.elapsed = time.Since(begin)
	stopProgress()
	if l.held != nil {
		l.held(ctx)
	}
	m.tally = rec.total()
	m.exhausted = exhausted.Load()
	if l.shape.Rate > 0 && !m.exhausted {
		m.missed = total - started.Load()
		if m.missed > 0 {
			m.tally.errors[errBehind] += m.missed
		}
		m.elapsed = l.shape.Duration // the offered window; late ones are missed
	}
	m.reconnects = dials.dials.Load() - opened
	if cause := context.Cause(runCtx); cause != nil && !errors.Is(cause, context.Canceled) {
		m.fatal = cause
	} else if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return m, nil
}

// errBehind is the error kind of open-loop requests that never started:
// every connection was still busy with earlier ones.
const errBehind = "not sent: server behind schedule"

// answered reports whether err still came with an HTTP answer.
func answered(err error) bool {
	var se *StatusError
	return err == nil || errors.As(err, &se)
}

// open prepares every connection and opens its TCP connection with one
// request to /health, a few hundred at a time (a burst of 10,000 dials
// would overflow the server's accept queue), and returns those that
// opened. Setup errors are fatal; a connection the server refuses is
// reported in m.
func (l *load) open(ctx context.Context, conns []*Conn, m *measurement) ([]*Conn, error) {
	var mu sync.Mutex
	ok := make([]bool, len(conns))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(256)
	for i, c := range conns {
		g.Go(func() error {
			if l.setup != nil {
				if err := l.setup(gctx, c); err != nil {
					return err
				}
			}
			if err := call(gctx, c.Client, http.MethodGet, l.base+"/health", "", nil, http.StatusOK, nil); err != nil {
				mu.Lock()
				if m.openErr == nil {
					m.openErr = err
				}
				mu.Unlock()
				return nil
			}
			ok[i] = true
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := conns[:0:0]
	for i, c := range conns {
		if ok[i] {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("could not open any connection to %s: %w", l.base, m.openErr)
	}
	return out, nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
