package redis_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/internal/testenv"
)

// TestBusNoticesStall: a bus whose path to Redis black-holes (connections
// open, nothing flows) reports itself down within a bound, publishes
// without waiting, and once the path is back is up again, flushed, and
// hears the other instance.
func TestBusNoticesStall(t *testing.T) {
	target, err := url.Parse(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := testenv.NewProxy(t, target.Host)
	proxied := *target
	proxied.Host = proxy.Addr
	prefix := newPrefix()
	healthy, stalled := newBus(t, open(t, target.String(), prefix)), newBus(t, open(t, proxied.String(), prefix))
	got := make(chan velro.Event, 16)
	stalled.Subscribe(func(ev velro.Event) { got <- ev })

	proxy.Blackhole()
	start := time.Now()
	waitFor(t, "the stalled bus to report down", func() bool { return !stalled.Connected() })
	t.Logf("measured: stall noticed after %v", time.Since(start))

	start = time.Now()
	if err := stalled.Publish(t.Context(), velro.Event{Effects: velro.Effects{Users: []uuid.UUID{uuid.New()}}}); err == nil {
		t.Fatal("a publish through a black hole succeeded")
	}
	<-got // delivered locally all the same
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("a publish while stalled took %v", d)
	}

	proxy.Resume()
	waitFor(t, "the bus to reconnect", stalled.Connected)
	if ev := <-got; !ev.Flush {
		t.Fatalf("first event after the stall %+v, want a flush", ev)
	}
	id := uuid.New()
	if err := healthy.Publish(t.Context(), velro.Event{Effects: velro.Effects{Sessions: []uuid.UUID{id}}}); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case ev := <-got:
			if len(ev.Sessions) == 1 && ev.Sessions[0] == id {
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the reconnected bus does not hear the other instance")
		}
	}
}

// waitFor polls cond; the bound is generous (-race, a loaded machine) but
// far below the minute a stall used to go unnoticed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("waited %v for %s", time.Since(start), what)
		}
	}
}
