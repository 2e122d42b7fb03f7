package bus

import (
	"context"
	"errors"

	"github.com/velro-ai/velro"
)

// Fallback is a bus whose events travel over a primary transport (Redis)
// and, when a send over it fails, over a second one (PostgreSQL): an
// instance whose path to Redis is down or stalled can still tell the
// others, who may hear Redis fine, that it wrote. What it sends that way
// also flushes: the shared L2, in Redis, missed the invalidation too.
type Fallback struct {
	velro.Bus // the primary: its state is the bus's
	Second    interface {
		Send(ctx context.Context, ev velro.Event) error
		Subscribe(fn func(velro.Event))
	}
}

// Publish implements velro.Bus.
func (f *Fallback) Publish(ctx context.Context, ev velro.Event) error {
	err := f.Bus.Publish(ctx, ev)
	if err == nil {
		return nil
	}
	ev.Flush = true
	if serr := f.Second.Send(ctx, ev); serr != nil {
		return errors.Join(err, serr)
	}
	return nil
}

// Subscribe implements velro.Bus: events come over either transport.
func (f *Fallback) Subscribe(fn func(velro.Event)) {
	f.Bus.Subscribe(fn)
	f.Second.Subscribe(fn)
}
