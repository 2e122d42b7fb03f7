package redis

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/bus"
)

// Bus is a velro.Bus over Redis pub/sub. Events are applied locally before
// Publish returns, then published for the other instances. Whenever the
// subscription (re)connects, subscribers get a Flush event: while it was
// down, events may have been missed.
type Bus struct {
	client  *Client
	local   bus.Local
	origin  uuid.UUID
	channel string
	log     *slog.Logger
	ps      *goredis.PubSub
	up      atomic.Bool
	done    chan struct{}
	stop    context.CancelFunc
}

var _ velro.Bus = (*Bus)(nil)

type envelope struct {
	Origin uuid.UUID   `json:"origin"`
	Event  velro.Event `json:"event"`
}

// NewBus subscribes and starts delivering remote events. The first
// subscription is confirmed before it returns, so no event published after
// that is missed.
func NewBus(ctx context.Context, client *Client, log *slog.Logger) (*Bus, error) {
	b := &Bus{client: client, origin: uuid.New(), channel: client.Key("events"), log: log, done: make(chan struct{})}
	ps := client.rdb.Subscribe(ctx, b.channel)
	if _, err := ps.Receive(ctx); err != nil { // the subscribe confirmation
		ps.Close()
		return nil, err
	}
	runCtx, stop := context.WithCancel(context.Background())
	b.ps, b.stop = ps, stop
	b.up.Store(true)
	go b.receive(runCtx, ps)
	return b, nil
}

// Publish implements velro.Bus.
func (b *Bus) Publish(ctx context.Context, ev velro.Event) error {
	b.local.Deliver(ev)
	msg, err := json.Marshal(envelope{Origin: b.origin, Event: ev})
	if err != nil {
		return err
	}
	return b.client.rdb.Publish(ctx, b.channel, msg).Err()
}

// Subscribe implements velro.Bus.
func (b *Bus) Subscribe(fn func(velro.Event)) { b.local.Subscribe(fn) }

// Connected implements velro.Bus: false from a lost subscription until it
// is restored (and the caches flushed).
func (b *Bus) Connected() bool { return b.up.Load() }

func (b *Bus) receive(ctx context.Context, ps *goredis.PubSub) {
	defer close(b.done)
	for {
		msg, err := ps.Receive(ctx)
		if ctx.Err() != nil {
			return
		}
		switch m := msg.(type) {
		case *goredis.Subscription:
			if m.Kind == "subscribe" {
				b.log.Info("event bus resubscribed; flushing caches")
				b.local.Deliver(velro.Event{Flush: true})
				b.up.Store(true)
			}
		case *goredis.Message:
			var env envelope
			if err := json.Unmarshal([]byte(m.Payload), &env); err != nil {
				b.log.Warn("event bus: undecodable message", "error", err)
				continue
			}
			if env.Origin != b.origin {
				b.local.Deliver(env.Event)
			}
		}
		if err != nil {
			b.up.Store(false)
			// go-redis reconnects and resubscribes on the next Receive; the
			// confirmation above then flushes what may have been missed.
			b.log.Warn("event bus connection lost", "error", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
}

// Close stops receiving. Closing the subscription unblocks Receive, which
// does not watch its context while waiting for a message.
func (b *Bus) Close() error {
	b.stop()
	err := b.ps.Close()
	<-b.done
	return err
}
