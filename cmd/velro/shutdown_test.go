package main

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// TestShutdownWithOpenStreams sends SIGTERM to a server with 20 open
// event streams and jobs running: the streams end at once (their clients
// reconnect elsewhere), the running jobs finish, and the process exits 0
// as soon as they have, not when the shutdown timeout runs out.
func TestShutdownWithOpenStreams(t *testing.T) {
	const timeout = 20 * time.Second
	base := env{"VELRO_DATA_DIR": t.TempDir(), "VELRO_WORKERS": "2", "VELRO_LOCAL_RENDER_DELAY": "2s",
		"VELRO_SHUTDOWN_TIMEOUT": timeout.String()}
	p := startProcess(t, base)
	c := (&testServer{URL: p.URL}).client(t)

	// Two users, each with one job running and six waiting for a worker:
	// they would take 12 s more to run, and must wait for another start.
	type generation struct {
		id    string
		owner *client
	}
	var running, all []generation
	for i := range 2 {
		u := c.with(register(t, c, fmt.Sprintf("shutdown%d@example.com", i)).Access)
		g := generation{submit(t, u, map[string]any{"model_id": "local/image", "prompt": "running"})["id"].(string), u}
		waitStatus(t, u, g.id, "processing")
		running, all = append(running, g), append(all, g)
	}
	for i := range 12 {
		u := running[i%2].owner
		all = append(all, generation{submit(t, u, map[string]any{"model_id": "local/image", "prompt": "waiting"})["id"].(string), u})
	}
	ended := make(chan []sseEvent, 20)
	for i := range 20 {
		g := all[i%len(all)]
		resp := openStream(t, g.owner, g.id)
		go func() { ended <- readEvents(resp) }()
	}

	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		<-ended // the client's 30 s timeout bounds each
	}
	streamsEnded := time.Since(start)
	err := p.cmd.Wait()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("after SIGTERM: %v (after %s)", err, took)
	}
	// A render takes 2 s: anything near the timeout means something held on.
	if took > timeout/2 {
		t.Fatalf("exited %s after SIGTERM (streams ended after %s); the shutdown timeout is %s", took, streamsEnded, timeout)
	}
	t.Logf("streams ended %s and the process exited %s after SIGTERM", streamsEnded, took)

	// The jobs that were running finished rather than being cut.
	again := (&testServer{URL: startProcess(t, base).URL}).client(t)
	for _, g := range running {
		if got := again.with(g.owner.token).do("GET", "/api/v1/generations/"+g.id, nil).want(t, 200).JSON(t); got["status"] != "completed" {
			t.Errorf("generation running at SIGTERM: %v", got["status"])
		}
	}
}
