package bus_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/bus"
)

// transport records what a peer sends and fails while told to.
type transport struct {
	mu   sync.Mutex
	sent []velro.Event
	fail bool
}

func (tr *transport) send(_ context.Context, payload []byte) error {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.fail {
		return errors.New("broken pipe")
	}
	var env struct {
		Legacy struct{ Flush bool } `json:"event"`
		Event  velro.Event          `json:"event2"`
	}
	if err := json.Unmarshal(payload, &env); err != nil {
		return err
	}
	if !env.Legacy.Flush {
		return errors.New("the message does not tell earlier versions to flush")
	}
	tr.sent = append(tr.sent, env.Event)
	return nil
}

// take returns what was sent since the last call.
func (tr *transport) take() []velro.Event {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	sent := tr.sent
	tr.sent = nil
	return sent
}

func newPeer(t *testing.T) (*bus.Peer, *transport, *[]velro.Event) {
	tr := &transport{}
	p := bus.NewPeer(slog.New(slog.DiscardHandler), tr.send)
	var local []velro.Event
	p.Subscribe(func(ev velro.Event) { local = append(local, ev) })
	p.Reconnected()
	if sent := tr.take(); len(sent) != 0 {
		t.Fatalf("a first connection sent %+v", sent)
	}
	return p, tr, &local
}

func revocation() velro.Event {
	return velro.Event{Effects: velro.Effects{Sessions: []uuid.UUID{uuid.New()}}}
}

func wantOneFlush(t *testing.T, sent []velro.Event) {
	t.Helper()
	if len(sent) != 1 || !sent[0].Flush {
		t.Fatalf("sent %+v, want one flush", sent)
	}
}

// An event this instance could not send must not leave the others' caches
// stale until their expiry: they are told to flush as soon as sending works.
func TestPeerMissedEventBecomesFlush(t *testing.T) {
	t.Run("while disconnected", func(t *testing.T) {
		p, tr, local := newPeer(t)
		p.Lost(errors.New("connection reset"))
		if err := p.Publish(t.Context(), revocation()); err == nil {
			t.Fatal("publish while disconnected succeeded")
		}
		if len(*local) != 2 { // the reconnection flush, then the revocation
			t.Fatalf("local subscribers got %+v", *local)
		}
		if sent := tr.take(); len(sent) != 0 {
			t.Fatalf("sent while disconnected: %+v", sent)
		}
		p.Reconnected()
		wantOneFlush(t, tr.take())

		ev := revocation()
		if err := p.Publish(t.Context(), ev); err != nil {
			t.Fatal(err)
		}
		if sent := tr.take(); len(sent) != 1 || sent[0].Flush || sent[0].Sessions[0] != ev.Sessions[0] {
			t.Fatalf("after the flush, sent %+v, want the event itself", sent)
		}
	})

	t.Run("send failed while connected", func(t *testing.T) {
		p, tr, _ := newPeer(t)
		tr.fail = true
		if err := p.Publish(t.Context(), revocation()); err == nil {
			t.Fatal("a failed send was reported as success")
		}
		tr.fail = false
		if err := p.Publish(t.Context(), revocation()); err != nil {
			t.Fatal(err)
		}
		wantOneFlush(t, tr.take())
	})

	t.Run("flush after reconnection failed", func(t *testing.T) {
		p, tr, _ := newPeer(t)
		p.Lost(errors.New("connection reset"))
		p.Publish(t.Context(), revocation())
		tr.fail = true
		p.Reconnected()
		tr.fail = false
		if err := p.Publish(t.Context(), revocation()); err != nil {
			t.Fatal(err)
		}
		wantOneFlush(t, tr.take())
	})

	t.Run("nothing missed", func(t *testing.T) {
		p, tr, _ := newPeer(t)
		p.Lost(errors.New("connection reset"))
		p.Reconnected()
		if sent := tr.take(); len(sent) != 0 {
			t.Fatalf("a reconnection with nothing missed sent %+v", sent)
		}
	})
}

// A transport whose sends and listening share a path: a failed send means
// the others may be unheard too, so the peer is down (caches bypassed)
// until the transport reconnects, which then tells the others to flush.
func TestPeerDownOnSendError(t *testing.T) {
	p, tr, local := newPeer(t)
	p.DownOnSendError = true
	tr.fail = true
	if err := p.Publish(t.Context(), revocation()); err == nil {
		t.Fatal("a failed send was reported as success")
	}
	if p.Connected() {
		t.Fatal("still connected after a failed send")
	}
	tr.fail = false
	p.Reconnected()
	wantOneFlush(t, tr.take())
	if !p.Connected() || !(*local)[len(*local)-1].Flush {
		t.Fatalf("after reconnection: connected %v, local events %+v", p.Connected(), *local)
	}
}

// During a rolling deploy instances of an earlier version share the bus,
// and the fields of their events meant other things: what they send is a
// flush here (and what this version sends tells them to flush, which the
// transport above checks on every message).
func TestPeerEarlierVersionsFlush(t *testing.T) {
	p, _, local := newPeer(t)
	*local = nil
	earlier := `{"origin":"` + uuid.NewString() + `","event":{"projects":["` + uuid.NewString() + `"]}}`
	p.Received([]byte(earlier))
	if len(*local) != 1 || !(*local)[0].Flush {
		t.Fatalf("an earlier version's event was delivered as %+v, want a flush", *local)
	}
}
