package authz

import "sync/atomic"

// counters count, per layer, the checks it answered (hits) and passed on
// (misses). L3 never passes a check on; "miss" counts checks with caching
// off.
type counters struct {
	hits     [4]atomic.Uint64
	misses   [4]atomic.Uint64
	l2Errors atomic.Uint64
}

func (c *counters) hit(l Layer)  { c.hits[l].Add(1) }
func (c *counters) miss(l Layer) { c.misses[l].Add(1) }

// LayerStats are one layer's counts.
type LayerStats struct {
	Hits   uint64 `json:"hits"`
	Misses uint64 `json:"misses"`
}

// HitRate is hits / (hits + misses), 0 when idle.
func (s LayerStats) HitRate() float64 {
	if s.Hits+s.Misses == 0 {
		return 0
	}
	return float64(s.Hits) / float64(s.Hits+s.Misses)
}

// Stats are the engine's counters.
type Stats struct {
	L1, L2, L3 LayerStats
	// Uncached counts checks made with caching off.
	Uncached uint64
	L2Errors uint64
}

// CacheHitRate is the share of checks answered by a cache layer (L1 or L2)
// among all cached-mode checks.
func (s Stats) CacheHitRate() float64 {
	total := s.L1.Hits + s.L1.Misses
	if total == 0 {
		return 0
	}
	return float64(s.L1.Hits+s.L2.Hits) / float64(total)
}

func (c *counters) snapshot() Stats {
	layer := func(l Layer) LayerStats { return LayerStats{Hits: c.hits[l].Load(), Misses: c.misses[l].Load()} }
	return Stats{L1: layer(LayerL1), L2: layer(LayerL2), L3: layer(LayerL3), Uncached: c.hits[LayerMiss].Load(), L2Errors: c.l2Errors.Load()}
}
