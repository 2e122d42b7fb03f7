package bus_test

import (
	"testing"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/bus"
)

// An event the primary cannot send goes over the second transport, as a
// flush (the others' shared L2 missed it too), and is delivered here once.
func TestFallbackSendsWhatThePrimaryCannot(t *testing.T) {
	primary, viaPrimary, _ := newPeer(t)
	second, viaSecond, _ := newPeer(t)
	f := &bus.Fallback{Bus: primary, Second: second}
	var local []velro.Event
	f.Subscribe(func(ev velro.Event) { local = append(local, ev) })

	if err := f.Publish(t.Context(), revocation()); err != nil {
		t.Fatal(err)
	}
	if len(viaPrimary.take()) != 1 || len(viaSecond.take()) != 0 {
		t.Fatal("a working primary did not carry the event alone")
	}

	viaPrimary.fail = true
	ev := revocation()
	if err := f.Publish(t.Context(), ev); err != nil {
		t.Fatalf("publish with the second transport working: %v", err)
	}
	sent := viaSecond.take()
	if len(sent) != 1 || !sent[0].Flush || sent[0].Sessions[0] != ev.Sessions[0] {
		t.Fatalf("sent over the second transport %+v, want the event as a flush", sent)
	}
	if len(local) != 2 || local[1].Flush {
		t.Fatalf("local subscribers got %+v, want each event once, as published", local)
	}

	viaSecond.fail = true
	if err := f.Publish(t.Context(), revocation()); err == nil {
		t.Fatal("a publish neither transport sent was reported as success")
	}
}
