package loadtest

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are kept in microseconds from 1 µs to 5 minutes with three
// significant digits (0.1 % resolution), HdrHistogram's usual setting.
const (
	histMinMicros = 1
	histMaxMicros = int64(5 * time.Minute / time.Microsecond)
	histDigits    = 3
)

func newHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histMinMicros, histMaxMicros, histDigits)
}

// opTally is what a run records about one operation.
type opTally struct {
	hist     *hdrhistogram.Histogram // answered requests
	requests int64                   // sent, answered or not
	errors   int64
}

// tally is the record of a run, or of one shard of it.
type tally struct {
	ops    map[string]*opTally
	errors map[string]int64  // error kind -> count
	sample map[string]string // error kind -> the first such error
	labels map[string]int64  // e.g. the authorize cache layer -> count
}

func newTally() *tally {
	return &tally{ops: map[string]*opTally{}, errors: map[string]int64{}, sample: map[string]string{}, labels: map[string]int64{}}
}

func (t *tally) op(name string) *opTally {
	o := t.ops[name]
	if o == nil {
		o = &opTally{hist: newHistogram()}
		t.ops[name] = o
	}
	return o
}

func (t *tally) merge(from *tally) {
	for name, o := range from.ops {
		into := t.op(name)
		into.hist.Merge(o.hist)
		into.requests += o.requests
		into.errors += o.errors
	}
	for k, n := range from.errors {
		t.errors[k] += n
	}
	for k, msg := range from.sample {
		if _, ok := t.sample[k]; !ok {
			t.sample[k] = msg
		}
	}
	for k, n := range from.labels {
		t.labels[k] += n
	}
}

// recorder spreads recording over a few locked shards: one histogram per
// connection would cost too much memory at 10,000 connections, one shared
// lock too much contention at 64.
type recorder struct {
	shards []shard
}

type shard struct {
	mu sync.Mutex
	t  *tally
	_  [40]byte // keeps neighbouring shards' locks off one cache line
}

func newRecorder(n int) *recorder {
	r := &recorder{shards: make([]shard, n)}
	for i := range r.shards {
		r.shards[i].t = newTally()
	}
	return r
}

// record notes one request of connection conn. A request that got no
// answer has no latency; one answered with the wrong status has one.
func (r *recorder) record(conn int, res Result, latency time.Duration, answered bool) {
	s := &r.shards[conn%len(r.shards)]
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.t.op(res.Op)
	o.requests++
	if answered {
		o.hist.RecordValue(max(histMinMicros, min(latency.Microseconds(), histMaxMicros)))
	}
	if res.Err != nil {
		o.errors++
		kind := errorKind(res.Err)
		s.t.errors[kind]++
		if _, ok := s.t.sample[kind]; !ok {
			s.t.sample[kind] = res.Err.Error()
		}
	}
	if res.Label != "" {
		s.t.labels[res.Label]++
	}
}

func (r *recorder) total() *tally {
	out := newTally()
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.Lock()
		out.merge(s.t)
		s.mu.Unlock()
	}
	return out
}

// sum is every operation of t in one histogram.
func (t *tally) sum() *opTally {
	all := &opTally{hist: newHistogram()}
	for _, o := range t.ops {
		all.hist.Merge(o.hist)
		all.requests += o.requests
		all.errors += o.errors
	}
	return all
}
