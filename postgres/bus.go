package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/bus"
)

// busChannel is the NOTIFY channel of Velro's events.
const busChannel = "velro_events"

// notifyTimeout bounds one NOTIFY, the wait for a pooled connection
// included: publishers run after their write has answered (without the
// request's deadline), and a stalled database must not hold them; a send
// that fails reaches the others as a flush once the bus works again.
const notifyTimeout = time.Second

// Bus is a velro.Bus over PostgreSQL LISTEN/NOTIFY, for instances that
// share a database but no Redis: revocations and cache invalidations still
// reach every instance. One pool connection is held for LISTEN; when it is
// lost, subscribers get a Flush event once it is back.
type Bus struct {
	*bus.Peer
	db   *DB
	log  *slog.Logger
	done chan struct{}
	stop context.CancelFunc
}

var _ velro.Bus = (*Bus)(nil)

// NewBus starts listening; it returns once the first LISTEN is in place.
func NewBus(ctx context.Context, db *DB, log *slog.Logger) (*Bus, error) {
	b := &Bus{db: db, log: log, done: make(chan struct{})}
	b.Peer = bus.NewPeer(log, func(ctx context.Context, payload []byte) error {
		// NOTIFY payloads are limited to 8000 bytes; a bigger event (a
		// team shared with thousands of projects) reaches the others as a
		// flush.
		if len(payload) >= 8000 {
			payload = []byte(`{"event":{"flush":true}}`)
		}
		ctx, cancel := context.WithTimeout(ctx, notifyTimeout)
		defer cancel()
		_, err := db.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, busChannel, string(payload))
		return err
	})
	listening := make(chan error, 1)
	runCtx, stop := context.WithCancel(context.Background())
	b.stop = stop
	go b.listen(runCtx, listening)
	select {
	case err := <-listening:
		if err != nil {
			stop()
			<-b.done
			return nil, err
		}
	case <-ctx.Done():
		stop()
		<-b.done
		return nil, ctx.Err()
	}
	return b, nil
}

// listen holds a LISTEN connection, reconnecting with a pause after a loss.
// The first outcome goes to first.
func (b *Bus) listen(ctx context.Context, first chan<- error) {
	defer close(b.done)
	for ctx.Err() == nil {
		err := b.listenOnce(ctx, first)
		first = nil
		if ctx.Err() != nil {
			return
		}
		b.Lost(err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func (b *Bus) listenOnce(ctx context.Context, first chan<- error) error {
	conn, err := b.db.pool.Acquire(ctx)
	if err == nil {
		if _, err = conn.Exec(ctx, "LISTEN "+busChannel); err != nil {
			conn.Release()
		}
	}
	if err != nil {
		if first != nil {
			first <- err
		}
		return err
	}
	// The connection is in LISTEN mode: never hand it back to the pool.
	listener := conn.Hijack()
	defer listener.Close(context.Background())
	// Connected before NewBus returns: a caller must never see a fresh bus
	// as down (it would bypass its caches, or fail a readiness check).
	b.Reconnected()
	if first != nil {
		first <- nil
	}
	for {
		n, err := listener.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		b.Received([]byte(n.Payload))
	}
}

// Close stops listening.
func (b *Bus) Close() error {
	b.stop()
	<-b.done
	return nil
}
