package perf

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
)

// Config tunes a Tracker; zero values take the defaults.
type Config struct {
	Log *slog.Logger
	// Slot is the step of the sliding window (default 10 s).
	Slot time.Duration
	// MaxWindow is the longest window a report may cover (default 15 min).
	MaxWindow time.Duration
}

// Tracker records operation latencies and HTTP requests in time slots: the
// current slot takes every recording through one atomic pointer load, and
// Run replaces it every Slot, so reports cover a sliding window while
// recording never takes a lock.
type Tracker struct {
	current  atomic.Pointer[slot]
	step     time.Duration
	log      *slog.Logger
	now      func() time.Time
	http     *httpMetrics
	warnings [velro.OperationCount]warnLimit

	mu sync.Mutex // guards the fields below; taken by readers and Run, never by a recording
	// slots is a ring; slots[head] is the current slot, nil ones are unused.
	slots []*slot
	head  int
	// totals add up the slots no longer written, for /metrics.
	totals     [velro.OperationCount]*counts
	cacheStats func() authz.Stats
}

// slot holds what was recorded from start until the next slot began.
type slot struct {
	start                                time.Time
	ops                                  [velro.OperationCount]histogram
	requests, clientErrors, serverErrors atomic.Uint64
	// cache holds the cache counters as the slot began.
	cache authz.Stats
	// folded: added to the totals (guarded by Tracker.mu).
	folded bool
}

func newSlot(start time.Time, cache authz.Stats) *slot {
	s := &slot{start: start, cache: cache}
	for i := range s.ops {
		s.ops[i].init()
	}
	return s
}

// New returns a tracker whose window starts now.
func New(cfg Config) *Tracker {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Slot <= 0 {
		cfg.Slot = 10 * time.Second
	}
	if cfg.MaxWindow < cfg.Slot {
		cfg.MaxWindow = 15 * time.Minute
	}
	t := &Tracker{step: cfg.Slot, log: cfg.Log, now: time.Now, http: newHTTPMetrics(),
		slots: make([]*slot, int(cfg.MaxWindow/cfg.Slot)+2)}
	for i := range t.totals {
		t.totals[i] = newCounts()
	}
	t.slots[0] = newSlot(t.now(), authz.Stats{})
	t.current.Store(t.slots[0])
	return t
}

// Observe implements velro.Observer: it records one sample of an operation
// and counts it as a violation when it exceeds the operation's target. With
// tracking off there is no Tracker: callers hold a nil velro.Observer.
func (t *Tracker) Observe(op velro.Operation, d time.Duration) {
	h := &t.current.Load().ops[op]
	h.record(d)
	if target := targets[op]; d > target {
		h.violations.Add(1)
		if d > 2*target {
			t.warnings[op].warn(t, op, d)
		}
	}
}

// MaxWindow is the longest window Report covers.
func (t *Tracker) MaxWindow() time.Duration { return time.Duration(len(t.slots)-2) * t.step }

// Slot is the step of the sliding window, the shortest window Report covers.
func (t *Tracker) Slot() time.Duration { return t.step }

// Run moves the window on every Slot until ctx ends, noting the cache
// counters at each step so that hit rates cover the window too.
func (t *Tracker) Run(ctx context.Context, cacheStats func() authz.Stats) {
	t.mu.Lock()
	t.cacheStats = cacheStats
	t.mu.Unlock()
	tick := time.NewTicker(t.step)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			t.rotate()
		}
	}
}

// rotate starts a new slot. The slot before the current one gets no more
// samples (a recording that loaded it has long finished), so it joins the
// totals; the oldest slot is dropped.
func (t *Tracker) rotate() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if prev := t.slots[t.index(1)]; prev != nil && !prev.folded {
		for op := range prev.ops {
			t.totals[op].add(&prev.ops[op])
		}
		prev.folded = true
	}
	t.head = t.index(-1)
	t.slots[t.head] = newSlot(t.now(), t.cache())
	t.current.Store(t.slots[t.head])
}

// index is the ring position of the slot age steps older than the current
// one.
func (t *Tracker) index(age int) int {
	n := len(t.slots)
	return ((t.head-age)%n + n) % n
}

// cache reads the cache counters; zero before Run. The caller holds mu.
func (t *Tracker) cache() authz.Stats {
	if t.cacheStats == nil {
		return authz.Stats{}
	}
	return t.cacheStats()
}

// window returns the slots that began within d before now, newest first
// (the current one always). The caller holds mu.
func (t *Tracker) window(now time.Time, d time.Duration) []*slot {
	var out []*slot
	for age := range len(t.slots) {
		s := t.slots[t.index(age)]
		if s == nil || (age > 0 && s.start.Before(now.Add(-d))) {
			break
		}
		out = append(out, s)
	}
	return out
}

// warnLimit rate-limits one operation's slow-sample warnings.
type warnLimit struct {
	next       atomic.Int64 // unix nanoseconds before which warnings are held back
	suppressed atomic.Uint64
}

// warnEvery is the least time between two warnings about one operation.
const warnEvery = time.Minute

// warn logs a sample over twice its target, at most once per warnEvery;
// the line says how many were held back since the last one.
func (w *warnLimit) warn(t *Tracker, op velro.Operation, d time.Duration) {
	now := t.now().UnixNano()
	next := w.next.Load()
	if now < next || !w.next.CompareAndSwap(next, now+int64(warnEvery)) {
		w.suppressed.Add(1)
		return
	}
	t.log.Warn("operation over twice its target", "operation", op.String(), "duration_ms", millis(d),
		"target_ms", millis(targets[op]), "suppressed_since_last", w.suppressed.Swap(0))
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
