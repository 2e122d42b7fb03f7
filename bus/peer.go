package bus

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// Peer is the part of a cross-instance bus that does not depend on the
// transport (Redis pub/sub, PostgreSQL LISTEN/NOTIFY): local delivery first,
// an envelope naming the sending instance so it ignores its own messages,
// and the connection state that tells caches whether to trust themselves.
type Peer struct {
	local  Local
	origin uuid.UUID
	up     atomic.Bool
	missed atomic.Bool // an event of ours never reached the others
	log    *slog.Logger
	send   func(ctx context.Context, payload []byte) error
	// DownOnSendError marks the peer down when a send fails, until the
	// transport calls Reconnected: for a transport whose sends and
	// listening share one path, so a failed send means events from the
	// others may not arrive either. Set it before the peer is used.
	DownOnSendError bool
}

// NewPeer returns a peer that sends encoded events with send. It starts
// disconnected: call Reconnected once the transport listens.
func NewPeer(log *slog.Logger, send func(ctx context.Context, payload []byte) error) *Peer {
	return &Peer{origin: uuid.New(), log: log, send: send}
}

// envelope is what travels between instances. Instances of an earlier
// version (a rolling deploy runs both) read Legacy, whose fields changed
// meaning since: for them every event is a flush. This version reads
// Event; a message without it (from an earlier version, or too large for
// its transport) is a flush here too.
type envelope struct {
	Origin uuid.UUID    `json:"origin"`
	Legacy legacyEvent  `json:"event"`
	Event  *velro.Event `json:"event2,omitempty"`
}

type legacyEvent struct {
	Flush bool `json:"flush"`
}

// errDisconnected is returned by Publish while the transport is down.
var errDisconnected = errors.New("event bus: not connected")

// Publish implements velro.Bus. While the transport is down it does not
// try to send (and make the caller wait for a timeout); an event that could
// not be sent becomes a flush sent with the next publish or reconnection.
func (p *Peer) Publish(ctx context.Context, ev velro.Event) error {
	p.local.Deliver(ev)
	if !p.up.Load() {
		p.missed.Store(true)
		return errDisconnected
	}
	if p.missed.Swap(false) {
		// An earlier event never left: a flush covers it and this one.
		ev = velro.Event{Flush: true}
	}
	if err := p.sendEvent(ctx, ev); err != nil {
		p.missed.Store(true)
		p.log.WarnContext(ctx, "event bus: publish failed; the others are told to flush once it works again", "error", err)
		if p.DownOnSendError {
			p.Lost(err)
		}
		return err
	}
	return nil
}

// Send sends ev to the other instances only, whatever the peer's state:
// for events already delivered here.
func (p *Peer) Send(ctx context.Context, ev velro.Event) error { return p.sendEvent(ctx, ev) }

func (p *Peer) sendEvent(ctx context.Context, ev velro.Event) error {
	payload, err := json.Marshal(envelope{Origin: p.origin, Legacy: legacyEvent{Flush: true}, Event: &ev})
	if err != nil {
		return err
	}
	return p.send(ctx, payload)
}

// Subscribe implements velro.Bus.
func (p *Peer) Subscribe(fn func(velro.Event)) { p.local.Subscribe(fn) }

// Connected implements velro.Bus.
func (p *Peer) Connected() bool { return p.up.Load() }

// Received delivers a payload from the transport, unless this instance sent
// it.
func (p *Peer) Received(payload []byte) {
	var env envelope
	if err := json.Unmarshal(payload, &env); err != nil {
		p.log.Warn("event bus: undecodable message", "error", err)
		return
	}
	switch {
	case env.Origin == p.origin:
	case env.Event == nil:
		p.local.Deliver(velro.Event{Flush: true})
	default:
		p.local.Deliver(*env.Event)
	}
}

// Lost records that the transport stopped listening: until Reconnected,
// caches of shared state are bypassed.
func (p *Peer) Lost(err error) {
	if p.up.Swap(false) {
		p.log.Warn("event bus connection lost", "error", err)
	}
}

// Reconnected records that the transport listens again. Events sent
// meanwhile may have been missed, so every subscriber flushes first. If
// this instance failed to send an event (a revocation, say) while the
// others stayed connected, they never noticed an outage: they are told to
// flush, so what they cached stays stale no longer than the outage.
func (p *Peer) Reconnected() {
	p.local.Deliver(velro.Event{Flush: true})
	p.up.Store(true)
	if !p.missed.Swap(false) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	if err := p.sendEvent(ctx, velro.Event{Flush: true}); err != nil {
		p.missed.Store(true)
		p.log.Warn("event bus: could not tell the others to flush; the next publish tries again", "error", err)
	}
}

// flushTimeout bounds the flush request sent after a reconnection.
const flushTimeout = 2 * time.Second
