package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro/internal/testenv"
)

// TestClusterSurvivesKill: three instances on one PostgreSQL, Redis and S3
// store behind nginx. A steady mixed load runs through nginx while one
// instance is killed with SIGKILL and started again. No idempotent request
// fails; every accepted submit completes or is refunded exactly once; the
// credits are exact afterwards; every instance serves the media of every
// completed generation. The error count and latency around the kill are
// logged (SCALING.md records them).
func TestClusterSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs three instances and waits for the job rescuer")
	}
	base, _ := withS3(t, env{"DATABASE_URL": testenv.PostgresURL(t), "REDIS_URL": testenv.RedisURL(t),
		"VELRO_REDIS_PREFIX": "velro-test:" + uuid.NewString() + ":",
		// Jobs the killed instance was running are rescued soon.
		"VELRO_JOB_TIMEOUT": "4s", "VELRO_JOB_RESCUE_AFTER": "5s", "VELRO_FAL_TIMEOUT": "3s",
		"VELRO_LOCAL_RENDER_DELAY": "100ms", "VELRO_TRUSTED_PROXIES": "127.0.0.1"})
	ports := []int{freePort(t), freePort(t), freePort(t)}
	instanceEnv := func(i int) env {
		return merge(base, env{"VELRO_ADDR": "127.0.0.1:" + strconv.Itoa(ports[i]), "VELRO_DATA_DIR": t.TempDir()})
	}
	instances := make([]*process, len(ports))
	var upstreams []string
	for i := range ports {
		instances[i] = startProcess(t, instanceEnv(i))
		upstreams = append(upstreams, "127.0.0.1:"+strconv.Itoa(ports[i]))
	}
	lb := &testServer{URL: testenv.Nginx(t, upstreams)}
	c := lb.client(t)
	users := []account{register(t, c, "ada@example.com"), register(t, c, "bob@example.com")}
	first := c.with(users[0].Access)
	known := submit(t, first, map[string]any{"model_id": "local/image", "prompt": "known"})["id"].(string)
	waitStatus(t, first, known, "completed")

	load := &clusterLoad{base: lb.URL, http: &http.Client{Timeout: 20 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 32}}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 { // readers: idempotent requests
		wg.Go(func() { load.read(stop, users[0].Access, known) })
	}
	for _, u := range users { // submitters
		wg.Go(func() { load.submits(stop, u.Access) })
	}

	// Each phase lasts until the load has made progress through it, not
	// for a fixed time: a slow machine stretches the phases instead of
	// leaving them empty.
	load.progress(t, "before the kill", 150, 3)
	killedAt := time.Now()
	instances[1].crash(t)
	load.progress(t, "with an instance down", 150, 3)
	restartedAt := time.Now()
	instances[1] = startProcess(t, instanceEnv(1))
	restarted := (&testServer{URL: instances[1].URL}).client(t)
	waitFor(t, "the restarted instance to serve the load", time.Minute, func() bool { return servedRoute(t, restarted, "/api/v1/credits/balance") })
	load.progress(t, "after the restart", 150, 3)
	close(stop)
	wg.Wait()

	reads, failed := load.results()
	window := load.latencies(killedAt.Add(-500*time.Millisecond), restartedAt.Add(time.Second))
	t.Logf("%d idempotent requests, %d failed; around the kill (%d requests): p50 %v, p99 %v, max %v; %d submits accepted, %d submit attempts answered an error and were retried",
		reads, len(failed), len(window), percentile(window, 50), percentile(window, 99), percentile(window, 100),
		load.acceptedCount(), load.submitErrors)
	if len(failed) > 0 {
		t.Fatalf("%d idempotent requests failed, e.g. %v", len(failed), failed[:min(5, len(failed))])
	}
	if load.acceptedCount() < 10 {
		t.Fatalf("only %d submits were accepted", load.acceptedCount())
	}

	// Every accepted submit ends, charged once and refunded at most once.
	// The ledgers are read once nothing is in flight: a refund landing
	// between reading the ledger and the balance would look like a mismatch.
	ended := map[string]map[string]any{}
	for _, u := range users {
		for _, id := range load.accepted[u.Access] {
			ended[id] = waitTerminal(t, c.with(u.Access), id, time.Minute)
		}
	}
	for _, u := range users {
		uc := c.with(u.Access)
		completed := 0
		for _, id := range load.accepted[u.Access] {
			g := ended[id]
			refunds := 0
			if g["status"] != "completed" {
				refunds = 1
			} else {
				completed++
			}
			if l := ledger(t, uc, id); l["usage"] != 1 || l["refund"] != refunds {
				t.Fatalf("generation %s (%v): ledger %v", id, g["status"], l)
			}
		}
		if u.Email == users[0].Email {
			completed++ // the known generation
		}
		if b := uc.do("GET", "/api/v1/credits/balance", nil).want(t, 200).JSON(t)["balance"]; b != float64(1000-5*completed) {
			t.Fatalf("%s: balance %v after %d completed images", u.Email, b, completed)
		}
	}

	// Any instance serves any completed generation's media.
	for _, id := range append(load.accepted[users[0].Access], known) {
		g := first.do("GET", "/api/v1/generations/"+id, nil).want(t, 200).JSON(t)
		if g["status"] != "completed" {
			continue
		}
		signed := first.do("GET", "/api/v1/generations/"+id+"/media-urls", nil).want(t, 200).JSON(t)["primary_url"].(string)
		u, _ := http.NewRequest("GET", signed, nil)
		for _, p := range ports {
			status, body := fetch(t, fmt.Sprintf("http://127.0.0.1:%d%s", p, u.URL.RequestURI()), "")
			if status != 200 || !bytes.HasPrefix(body, []byte("\x89PNG")) {
				t.Fatalf("instance on %d serving %s: %d", p, id, status)
			}
		}
	}
}

// waitTerminal polls a generation until it ends.
func waitTerminal(t *testing.T, c *client, id string, limit time.Duration) map[string]any {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		g := c.do("GET", "/api/v1/generations/"+id, nil).want(t, 200).JSON(t)
		switch g["status"] {
		case "completed", "failed", "cancelled":
			return g
		}
		if time.Now().After(deadline) {
			t.Fatalf("generation %s still %v after %v", id, g["status"], limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// clusterLoad is the load of the cluster test and what it saw.
type clusterLoad struct {
	base string
	http *http.Client

	mu           sync.Mutex
	reads        []sample
	failed       []string
	accepted     map[string][]string // by access token
	submitErrors int
}

type sample struct {
	start time.Time
	took  time.Duration
}

func (l *clusterLoad) request(method, path, token string, body []byte, headers ...string) (int, []byte, error) {
	req, _ := http.NewRequest(method, l.base+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := l.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// read sends idempotent requests until stop closes.
func (l *clusterLoad) read(stop <-chan struct{}, token, generation string) {
	paths := []string{"/api/v1/auth/me", "/api/v1/projects", "/api/v1/generations/" + generation,
		"/api/v1/generations/" + generation + "/authorize", "/api/v1/credits/balance"}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		path := paths[i%len(paths)]
		start := time.Now()
		status, body, err := l.request("GET", path, token, nil)
		l.mu.Lock()
		l.reads = append(l.reads, sample{start, time.Since(start)})
		if err != nil || status != http.StatusOK {
			l.failed = append(l.failed, fmt.Sprintf("GET %s: %d %v %.100s", path, status, err, body))
		}
		l.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
}

// submits submits images until stop closes. A submit that gets no answer
// or a 5xx is retried with the same Idempotency-Key, as a client would: it
// is charged once whether or not the first attempt reached an instance.
func (l *clusterLoad) submits(stop <-chan struct{}, token string) {
	body, _ := json.Marshal(map[string]any{"model_id": "local/image", "prompt": "under load"})
	for {
		select {
		case <-stop:
			return
		default:
		}
		key := uuid.NewString()
		for attempt := 0; attempt < 20; attempt++ {
			status, raw, err := l.request("POST", "/api/v1/generations", token, body, "Idempotency-Key", key)
			if err == nil && status == http.StatusCreated {
				var g struct{ ID string }
				json.Unmarshal(raw, &g)
				l.mu.Lock()
				if l.accepted == nil {
					l.accepted = map[string][]string{}
				}
				if !slices.Contains(l.accepted[token], g.ID) {
					l.accepted[token] = append(l.accepted[token], g.ID)
				}
				l.mu.Unlock()
				break
			}
			l.mu.Lock()
			l.submitErrors++
			l.mu.Unlock()
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

func (l *clusterLoad) acceptedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, ids := range l.accepted {
		n += len(ids)
	}
	return n
}

// progress waits until the load has made reads more idempotent requests
// and had submits more submits accepted.
func (l *clusterLoad) progress(t *testing.T, phase string, reads, submits int) {
	t.Helper()
	r0, _ := l.results()
	s0 := l.acceptedCount()
	waitFor(t, fmt.Sprintf("%d reads and %d submits %s", reads, submits, phase), time.Minute, func() bool {
		r, _ := l.results()
		return r >= r0+reads && l.acceptedCount() >= s0+submits
	})
}

// servedRoute tells whether the server behind c has answered a request to
// route, as its /metrics count.
func servedRoute(t *testing.T, c *client, route string) bool {
	t.Helper()
	m := c.do("GET", "/metrics", nil).want(t, 200).Body
	count := regexp.MustCompile(`(?m)^velro_http_request_duration_seconds_count\{[^}]*route="` + regexp.QuoteMeta(route) + `"[^}]*\} (\d+)$`).FindSubmatch(m)
	return count != nil && string(count[1]) != "0"
}

func (l *clusterLoad) results() (int, []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.reads), l.failed
}

// latencies are the durations of the idempotent requests that started in
// [from, to], sorted.
func (l *clusterLoad) latencies(from, to time.Time) []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []time.Duration
	for _, s := range l.reads {
		if !s.start.Before(from) && !s.start.After(to) {
			out = append(out, s.took)
		}
	}
	slices.Sort(out)
	return out
}

// percentile of sorted durations (100: the maximum).
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}
