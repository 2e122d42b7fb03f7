package main

import (
	"fmt"
	"testing"
	"time"
)

// TestFairQueue: user A queues a backlog of ten generations, then user B
// submits one. With one worker, B's generation is taken as soon as the
// worker is free, ahead of A's backlog, not after it.
func TestFairQueue(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		e["VELRO_WORKERS"], e["VELRO_LOCAL_RENDER_DELAY"] = "1", "200ms"
		c := startServer(t, e).client(t)
		a := c.with(register(t, c, "backlog@example.com").Access)
		b := c.with(register(t, c, "single@example.com").Access)
		var backlog []string
		for i := range 10 {
			backlog = append(backlog, submit(t, a, map[string]any{"model_id": "local/image", "prompt": fmt.Sprint("backlog ", i)})["id"].(string))
		}
		mine := waitStatusWithin(t, b, submit(t, b, map[string]any{"model_id": "local/image", "prompt": "single"})["id"].(string), "completed", time.Minute)
		bStarted := timestamp(t, mine["started_at"])

		ahead := 0 // A's generations the worker started before B's
		for _, id := range backlog {
			g := waitStatusWithin(t, a, id, "completed", time.Minute)
			if timestamp(t, g["started_at"]).Before(bStarted) {
				ahead++
			}
		}
		t.Logf("B waited %v; %d of A's 10 started before it", timestamp(t, mine["completed_at"]).Sub(timestamp(t, mine["created_at"])), ahead)
		// A's first was running when B arrived, and a second may have
		// been taken before B's job was committed.
		if ahead > 2 {
			t.Fatalf("%d of A's backlog of 10 started before B's single generation", ahead)
		}
	})
}

func timestamp(t *testing.T, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("timestamp %q: %v", s, err)
	}
	return ts
}

// TestActiveGenerationCap: past VELRO_MAX_ACTIVE_GENERATIONS a submit is
// refused with 429, uncharged, until one of the user's generations ends.
func TestActiveGenerationCap(t *testing.T) {
	c := startServer(t, env{"VELRO_MAX_ACTIVE_GENERATIONS": "2", "VELRO_LOCAL_RENDER_DELAY": "1m", "VELRO_SHUTDOWN_TIMEOUT": "1s"}).client(t)
	a := c.with(register(t, c, "capped@example.com").Access)
	body := map[string]any{"model_id": "local/image", "prompt": "slow"}
	first := submit(t, a, body)["id"].(string)
	submit(t, a, body)
	r := a.do("POST", "/api/v1/generations", body).wantError(t, 429, "rate_limited")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	if b := a.do("GET", "/api/v1/credits/balance", nil).want(t, 200).JSON(t)["balance"]; b != 1000.0-2*5 {
		t.Fatalf("balance %v: the refused submit was charged", b)
	}
	a.do("POST", "/api/v1/generations/"+first+"/cancel", nil).want(t, 200)
	submit(t, a, body)
}
