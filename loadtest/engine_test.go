package loadtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// stallingServer answers at once, except that its first answer to /work
// waits for stall to return: a server that stalls once.
func stallingServer(t *testing.T, stall func()) *httptest.Server {
	var once sync.Once
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /work", func(w http.ResponseWriter, r *http.Request) {
		once.Do(stall)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func getWork(base string) Target {
	return func(ctx context.Context, c *Conn) Result {
		return Result{Err: call(ctx, c.Client, http.MethodGet, base+"/work", "", nil, http.StatusOK, nil)}
	}
}

// TestOpenLoopCountsTheStall: under open-loop load every request due while
// the server stalled waited for it, and its latency says so, counted from
// when it was due. (A closed-loop tool would record one slow request and
// send the others late, hiding the stall: coordinated omission.)
func TestOpenLoopCountsTheStall(t *testing.T) {
	// The fault under test: the server answers nothing for 300 ms from
	// the first request, which is due when the load begins.
	srv := stallingServer(t, func() { time.Sleep(300 * time.Millisecond) })
	const rate = 100
	l := &load{name: "stall", base: srv.URL, shape: Shape{Connections: 1, Rate: rate, Duration: time.Second},
		target: getWork(srv.URL), timeout: 10 * time.Second}
	m, err := l.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	all := m.tally.sum()
	if all.requests != rate || all.errors != 0 || m.missed != 0 {
		t.Fatalf("%d requests, %d errors, %d missed; want %d, 0, 0", all.requests, all.errors, m.missed, rate)
	}
	// Requests 0..14 were due in the stall's first 150 ms; none could be
	// answered before it ended, so each waited at least 150 ms from when
	// it was due.
	if slow := all.hist.TotalCount() - countBelow(all, 150*time.Millisecond); slow < 15 {
		t.Errorf("only %d requests took 150 ms or more; the stall hid in the others", slow)
	}
}

// TestClosedLoopRecordsEachAnswer: closed-loop load sends each request when
// the last is answered and times it from then.
func TestClosedLoopRecordsEachAnswer(t *testing.T) {
	srv := stallingServer(t, func() {})
	l := &load{name: "closed", base: srv.URL, shape: Shape{Connections: 4, Duration: 200 * time.Millisecond},
		target: getWork(srv.URL), timeout: 10 * time.Second}
	m, err := l.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	all := m.tally.sum()
	if all.requests == 0 || all.errors != 0 || all.hist.TotalCount() != all.requests || m.opened != 4 || m.reconnects != 0 {
		t.Fatalf("%d requests (%d timed), %d errors, %d connections, %d reopened", all.requests, all.hist.TotalCount(), all.errors, m.opened, m.reconnects)
	}
}

// TestOpenLoopMissesWhatItCannotSend: requests still waiting for a
// connection a second after the end count as errors, not as nothing.
func TestOpenLoopMissesWhatItCannotSend(t *testing.T) {
	release := make(chan struct{})
	srv := stallingServer(t, func() { <-release })
	defer close(release)
	l := &load{name: "stuck", base: srv.URL, shape: Shape{Connections: 1, Rate: 50, Duration: 200 * time.Millisecond},
		target: getWork(srv.URL), timeout: 1500 * time.Millisecond}
	m, err := l.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The first request hangs until the client's timeout (1.5 s), past the
	// end plus grace: the other nine were never sent.
	if m.missed != 9 || m.tally.errors[errBehind] != 9 || m.tally.errors["timeout"] != 1 {
		t.Fatalf("missed %d, errors %v", m.missed, m.tally.errors)
	}
}

func countBelow(o *opTally, d time.Duration) int64 {
	var n int64
	for _, b := range o.hist.CumulativeDistribution() {
		if b.ValueAt < d.Microseconds() {
			n = b.Count
		}
	}
	return n
}
