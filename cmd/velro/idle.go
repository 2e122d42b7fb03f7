package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// An idle server still allocates a little (the job queue's polls, about
// 0.1-0.4 MB/s), and with GOGC=400 that garbage piles up to a heap goal of
// several times the live heap before a collection: idle RSS crept from
// 40 MB to 53 MB in two minutes. So while the server is idle, what it
// allocated is collected and handed back to the OS now and then. Under
// load the collector runs on its own and this never fires.
const (
	idleLook       = 30 * time.Second
	idleAllocLimit = 16 << 20 // allocated within a look: below it the server is idle
	idleReturnMin  = 8 << 20  // allocated since the last return: worth a collection
)

// idleMemory decides, from cumulative allocated bytes, when to give idle
// memory back.
type idleMemory struct {
	lastLook, lastReturn uint64
}

// look reports whether to collect now, given the bytes allocated so far.
func (m *idleMemory) look(allocated uint64) bool {
	window := allocated - m.lastLook
	m.lastLook = allocated
	if window >= idleAllocLimit || allocated-m.lastReturn < idleReturnMin {
		return false
	}
	m.lastReturn = allocated
	return true
}

// returnIdleMemory runs until ctx ends.
func returnIdleMemory(ctx context.Context) {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	m := &idleMemory{}
	m.lastLook = read()
	m.lastReturn = m.lastLook
	t := time.NewTicker(idleLook)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if m.look(read()) {
				debug.FreeOSMemory()
			}
		}
	}
}
