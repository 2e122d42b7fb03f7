package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/velro-ai/velro/internal/testenv"
)

// TestSubmitBurst: two instances on one fresh PostgreSQL,
// six clients each submitting ten local/video generations at once, spread
// over both instances. Every submit is accepted: the renders they start and
// the job queue must not starve the requests of CPU or pool connections
// (which answered 503 when a request waited past VELRO_DB_TIMEOUT).
func TestSubmitBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs two instances and renders 60 videos")
	}
	db := env{"DATABASE_URL": testenv.PostgresURL(t), "VELRO_DATA_DIR": t.TempDir()}
	instances := []*testServer{startServer(t, db), startServer(t, db)}
	const clients, submits = 6, 10
	params := map[string]any{} // the default video: 256x256, 12 frames
	if raceDetector {
		// The race detector makes each render about ten times slower;
		// smaller videos keep the burst's shape at a CI-sized cost.
		params = map[string]any{"width": 128, "height": 128, "frames": 4}
	}
	users := make([]*client, clients)
	for i := range users {
		c := instances[i%2].client(t)
		users[i] = c.with(register(t, c, fmt.Sprintf("burst%d@example.com", i)).Access)
	}

	var mu sync.Mutex
	var failures []string
	var slowest time.Duration
	type submitted struct {
		c  *client
		id string
	}
	var accepted []submitted
	var wg sync.WaitGroup
	for i, c := range users {
		wg.Go(func() {
			for j := range submits {
				c := *c
				c.base = instances[(i+j)%2].URL // alternate instances, like a load balancer
				start := time.Now()
				r := c.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/video", "prompt": fmt.Sprintf("burst %d %d", i, j), "parameters": params})
				mu.Lock()
				slowest = max(slowest, time.Since(start))
				if r.Status == 201 {
					accepted = append(accepted, submitted{&c, r.Str(t, "id")})
				} else {
					failures = append(failures, fmt.Sprintf("%d %s", r.Status, r.Body))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	t.Logf("slowest submit %v", slowest)
	for _, in := range instances { // how long requests waited for a pooled connection
		for _, l := range strings.Split(string(in.client(t).do("GET", "/metrics", nil).Body), "\n") {
			if strings.HasPrefix(l, "pgxpool_empty_acquire") {
				t.Log(l)
			}
		}
	}
	if len(failures) > 0 {
		t.Fatalf("%d of %d submits failed, e.g. %s", len(failures), clients*submits, failures[0])
	}
	for _, s := range accepted { // the servers stop once nothing runs
		waitStatusWithin(t, s.c, s.id, "completed", time.Minute)
	}
}
