// Package bus is the in-process velro.Bus: enough for a single instance, and
// the local half of the Redis bus.
package bus

import (
	"context"
	"sync"

	"github.com/velro-ai/velro"
)

// Local delivers events to the subscribers of this process.
type Local struct {
	mu   sync.RWMutex
	subs []func(velro.Event)
}

var _ velro.Bus = (*Local)(nil)

// Publish implements velro.Bus.
func (b *Local) Publish(_ context.Context, ev velro.Event) error {
	b.Deliver(ev)
	return nil
}

// Deliver hands ev to every subscriber.
func (b *Local) Deliver(ev velro.Event) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, fn := range b.subs {
		fn(ev)
	}
}

// Subscribe implements velro.Bus.
func (b *Local) Subscribe(fn func(velro.Event)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.subs = append(b.subs, fn)
}

// Connected implements velro.Bus: a single process misses nothing.
func (b *Local) Connected() bool { return true }
