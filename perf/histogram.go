package perf

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// Latencies are counted in HdrHistogram's log-linear buckets: one per
// nanosecond below 32 ns, then 16 per power of two, so a bucket is at most
// 1/16 of its values wide and a percentile read from it is within 3.2 % of
// the truth. The last bucket also takes everything from 2^37 ns (137 s) up.
const (
	subBits    = 4
	subBuckets = 1 << subBits
	maxBits    = 37
	numBuckets = (maxBits - subBits + 1) * subBuckets
)

// bucketOf returns the bucket of a latency in nanoseconds.
func bucketOf(ns int64) int {
	v := uint64(max(ns, 0))
	if v < 2*subBuckets {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1
	return min(shift*subBuckets+int(v>>shift), numBuckets-1)
}

// bucketBounds returns the values [lower, upper) a bucket holds.
func bucketBounds(i int) (lower, upper int64) {
	if i < 2*subBuckets {
		return int64(i), int64(i) + 1
	}
	shift := i/subBuckets - 1
	m := int64(i%subBuckets + subBuckets)
	return m << shift, (m + 1) << shift
}

// histogram is one operation's latencies over one time slot. Recording is a
// handful of atomic operations: no lock, no allocation.
type histogram struct {
	buckets    [numBuckets]atomic.Uint32
	sum        atomic.Int64 // nanoseconds
	min, max   atomic.Int64
	violations atomic.Uint32
}

// init readies an empty histogram.
func (h *histogram) init() { h.min.Store(math.MaxInt64) }

func (h *histogram) record(d time.Duration) {
	ns := int64(d)
	h.buckets[bucketOf(ns)].Add(1)
	h.sum.Add(ns)
	for m := h.min.Load(); ns < m && !h.min.CompareAndSwap(m, ns); m = h.min.Load() {
	}
	for m := h.max.Load(); ns > m && !h.max.CompareAndSwap(m, ns); m = h.max.Load() {
	}
}

// counts is a histogram read out (or several added up), for arithmetic.
type counts struct {
	buckets    [numBuckets]uint64
	count      uint64
	sum        int64
	min, max   int64
	violations uint64
}

func newCounts() *counts { return &counts{min: math.MaxInt64} }

// add adds a histogram's current values.
func (c *counts) add(h *histogram) {
	for i := range h.buckets {
		n := uint64(h.buckets[i].Load())
		c.buckets[i] += n
		c.count += n
	}
	c.sum += h.sum.Load()
	c.min = min(c.min, h.min.Load())
	c.max = max(c.max, h.max.Load())
	c.violations += uint64(h.violations.Load())
}

// merge adds other's values.
func (c *counts) merge(other *counts) {
	for i, n := range other.buckets {
		c.buckets[i] += n
	}
	c.count += other.count
	c.sum += other.sum
	c.min = min(c.min, other.min)
	c.max = max(c.max, other.max)
	c.violations += other.violations
}

// quantile returns the latency q (0..1) of the samples are at or below, by
// nearest rank: the middle of the bucket holding that sample, kept within
// the observed min and max. Zero without samples.
func (c *counts) quantile(q float64) time.Duration {
	if c.count == 0 {
		return 0
	}
	rank := max(uint64(math.Ceil(q*float64(c.count))), 1)
	var seen uint64
	for i, n := range c.buckets {
		if seen += n; seen >= rank {
			lower, upper := bucketBounds(i)
			return time.Duration(min(max((lower+upper-1)/2, c.min), c.max))
		}
	}
	return time.Duration(c.max)
}

// mean is the average latency; zero without samples.
func (c *counts) mean() time.Duration {
	if c.count == 0 {
		return 0
	}
	return time.Duration(c.sum / int64(c.count))
}
