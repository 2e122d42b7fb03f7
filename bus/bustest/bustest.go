// Package bustest is the conformance suite of cross-instance buses: every
// transport (Redis pub/sub, PostgreSQL LISTEN/NOTIFY) must pass it.
package bustest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// Transport opens two instances' buses on one transport; drop cuts the
// second instance's listening connection from the server side.
type Transport struct {
	Open func(t *testing.T) (a, b velro.Bus)
	Drop func(t *testing.T)
}

// Run runs the suite.
func Run(t *testing.T, tr Transport) {
	a, b := tr.Open(t)
	gotA, gotB := make(chan velro.Event, 16), make(chan velro.Event, 16)
	a.Subscribe(func(ev velro.Event) { gotA <- ev })
	b.Subscribe(func(ev velro.Event) { gotB <- ev })
	if !a.Connected() || !b.Connected() {
		t.Fatal("a new bus is not connected")
	}

	id := uuid.New()
	if err := a.Publish(t.Context(), velro.Event{Effects: velro.Effects{Sessions: []uuid.UUID{id}}}); err != nil {
		t.Fatal(err)
	}
	select { // local delivery happens before Publish returns
	case ev := <-gotA:
		if len(ev.Sessions) != 1 || ev.Sessions[0] != id {
			t.Fatalf("local event %+v", ev)
		}
	default:
		t.Fatal("the publisher's own subscribers were not told before Publish returned")
	}
	select {
	case ev := <-gotB:
		if len(ev.Sessions) != 1 || ev.Sessions[0] != id {
			t.Fatalf("remote event %+v", ev)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the other instance never got the event")
	}
	select {
	case ev := <-gotA:
		t.Fatalf("the publisher got its own event twice: %+v", ev)
	case <-time.After(100 * time.Millisecond):
	}

	// A dropped connection is noticed, restored, and followed by a flush:
	// events may have been missed meanwhile.
	tr.Drop(t)
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev := <-gotB:
			if ev.Flush {
				// The bus flushes its subscribers first, then trusts
				// their caches again: connected follows the flush.
				for until := time.Now().Add(2 * time.Second); !b.Connected(); time.Sleep(time.Millisecond) {
					if time.Now().After(until) {
						t.Fatal("flushed but not connected 2 s later")
					}
				}
				return
			}
		case <-deadline:
			t.Fatal("no flush after the connection was dropped")
		}
	}
}
