package redis

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/bus"
)

// Bus is a velro.Bus over Redis pub/sub. Its subscription is watched: a
// connection that is open but carries nothing (a stopped Redis, a path
// that stopped forwarding) never errors, so a quiet subscription is pinged
// and one that does not answer counts as lost. Whenever the subscription
// (re)connects, subscribers get a Flush event: while it was down, events
// may have been missed.
type Bus struct {
	*bus.Peer
	client  *Client
	channel string
	ps      atomic.Pointer[goredis.PubSub] // the current subscription
	done    chan struct{}
	stop    context.CancelFunc
}

var _ velro.Bus = (*Bus)(nil)

// The subscription's health check: after probeInterval without a message
// it pings, and a ping unanswered for another probeInterval is a stall, so
// a stall is noticed within 2*probeInterval of the last message.
const (
	probeInterval = 400 * time.Millisecond
	retryPause    = 200 * time.Millisecond
)

var errPingUnanswered = errors.New("event bus: the subscription stopped answering pings")

// NewBus subscribes and starts delivering remote events. The first
// subscription is confirmed before it returns, so no event published after
// that is missed.
func NewBus(ctx context.Context, client *Client, log *slog.Logger) (*Bus, error) {
	b := &Bus{client: client, channel: client.Key("events"), done: make(chan struct{})}
	b.Peer = bus.NewPeer(log, b.send)
	// Publishing and the subscription share the path to Redis: a publish
	// that fails means this instance may not hear the others either.
	b.DownOnSendError = true
	first, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ps, err := b.subscribe(first)
	if err != nil {
		return nil, err
	}
	b.Reconnected()
	runCtx, stop := context.WithCancel(context.Background())
	b.stop = stop
	go b.run(runCtx, ps)
	return b, nil
}

// send publishes within the call timeout: a request never waits long on a
// Redis that stalls.
func (b *Bus) send(ctx context.Context, payload []byte) error {
	ctx, cancel := b.client.bounded(ctx)
	defer cancel()
	return b.client.rdb.Publish(ctx, b.channel, payload).Err()
}

// subscribe opens a subscription and waits for its confirmation until
// ctx ends.
func (b *Bus) subscribe(ctx context.Context) (*goredis.PubSub, error) {
	ps := b.client.rdb.Subscribe(ctx, b.channel)
	if _, err := ps.Receive(ctx); err != nil {
		ps.Close()
		b.client.observe(err)
		return nil, err
	}
	b.client.answered()
	b.ps.Store(ps)
	return ps, nil
}

// run listens, and after a loss subscribes again on a new connection (a
// stalled one may never recover), then flushes.
func (b *Bus) run(ctx context.Context, ps *goredis.PubSub) {
	defer close(b.done)
	for {
		err := b.listen(ctx, ps)
		ps.Close()
		if ctx.Err() != nil {
			return
		}
		b.Lost(err)
		for ps = nil; ps == nil; {
			select {
			case <-ctx.Done():
				return
			case <-time.After(retryPause):
			}
			// A resubscription waits no longer than a ping would: its
			// command may have been lost to a stall that has since ended.
			attempt, cancel := context.WithTimeout(ctx, probeInterval)
			ps, err = b.subscribe(attempt)
			cancel()
			if err != nil {
				b.Lost(err)
			}
		}
		b.Reconnected()
	}
}

// listen delivers messages until the subscription fails or stalls.
func (b *Bus) listen(ctx context.Context, ps *goredis.PubSub) error {
	pinged := false
	for {
		msg, err := ps.ReceiveTimeout(ctx, probeInterval)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if netErr := net.Error(nil); errors.As(err, &netErr) && netErr.Timeout() {
			if pinged {
				b.client.stalled()
				return errPingUnanswered
			}
			if err := ps.Ping(ctx); err != nil {
				return err
			}
			pinged = true
			continue
		}
		if err != nil {
			return err
		}
		pinged = false
		b.client.answered()
		if !b.Connected() {
			// Down after a failed publish, yet the subscription flows:
			// up again, flushed, the others told to flush.
			b.Reconnected()
		}
		if m, ok := msg.(*goredis.Message); ok {
			b.Received([]byte(m.Payload))
		}
	}
}

// Close stops receiving. Closing the subscription ends a wait for a
// message at once (Receive does not watch its context); otherwise the
// receive loop notices within probeInterval.
func (b *Bus) Close() error {
	b.stop()
	if ps := b.ps.Load(); ps != nil {
		ps.Close()
	}
	<-b.done
	return nil
}
