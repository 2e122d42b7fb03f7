package redis

import (
	"context"
	"log/slog"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/bus"
)

// Bus is a velro.Bus over Redis pub/sub. Whenever the subscription
// (re)connects, subscribers get a Flush event: while it was down, events
// may have been missed.
type Bus struct {
	*bus.Peer
	ps   *goredis.PubSub
	done chan struct{}
	stop context.CancelFunc
}

var _ velro.Bus = (*Bus)(nil)

// NewBus subscribes and starts delivering remote events. The first
// subscription is confirmed before it returns, so no event published after
// that is missed.
func NewBus(ctx context.Context, client *Client, log *slog.Logger) (*Bus, error) {
	channel := client.Key("events")
	b := &Bus{done: make(chan struct{})}
	b.Peer = bus.NewPeer(log, func(ctx context.Context, payload []byte) error {
		return client.rdb.Publish(ctx, channel, payload).Err()
	})
	b.ps = client.rdb.Subscribe(ctx, channel)
	if _, err := b.ps.Receive(ctx); err != nil { // the subscribe confirmation
		b.ps.Close()
		return nil, err
	}
	b.Reconnected()
	runCtx, stop := context.WithCancel(context.Background())
	b.stop = stop
	go b.receive(runCtx)
	return b, nil
}

func (b *Bus) receive(ctx context.Context) {
	defer close(b.done)
	for {
		msg, err := b.ps.Receive(ctx)
		if ctx.Err() != nil {
			return
		}
		switch m := msg.(type) {
		case *goredis.Subscription:
			if m.Kind == "subscribe" { // resubscribed after a lost connection
				b.Reconnected()
			}
		case *goredis.Message:
			b.Received([]byte(m.Payload))
		}
		if err != nil {
			// go-redis reconnects and resubscribes on the next Receive; the
			// confirmation above then flushes what may have been missed.
			b.Lost(err)
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
