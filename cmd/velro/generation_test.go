package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// submit posts a generation and returns its JSON.
func submit(t testing.TB, c *client, body map[string]any, headers ...string) map[string]any {
	t.Helper()
	return c.do("POST", "/api/v1/generations", body, headers...).want(t, 201).JSON(t)
}

// waitStatus polls a generation until it reaches status (or fails the test).
func waitStatus(t testing.TB, c *client, id, status string) map[string]any {
	t.Helper()
	return waitStatusWithin(t, c, id, status, 20*time.Second)
}

func waitStatusWithin(t testing.TB, c *client, id, status string, limit time.Duration) map[string]any {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		g := c.do("GET", "/api/v1/generations/"+id, nil).want(t, 200).JSON(t)
		if g["status"] == status {
			return g
		}
		if time.Now().After(deadline) {
			t.Fatalf("generation %s is %v, waited for %s: %v", id, g["status"], status, g)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ledger returns the caller's transactions for a generation, by type.
func ledger(t testing.TB, c *client, genID string) map[string]int {
	t.Helper()
	tx := c.do("GET", "/api/v1/credits/transactions?limit=100", nil).want(t, 200).JSON(t)
	out := map[string]int{}
	var sum float64
	for _, e := range tx["transactions"].([]any) {
		m := e.(map[string]any)
		sum += m["amount"].(float64)
		if m["generation_id"] == genID {
			out[m["transaction_type"].(string)]++
		}
	}
	if b := c.do("GET", "/api/v1/credits/balance", nil).want(t, 200).JSON(t)["balance"].(float64); b != sum {
		t.Fatalf("balance %v but the ledger sums to %v", b, sum)
	}
	return out
}

// sseEvent is one server-sent event: its name ("" for an unnamed one,
// which a browser's EventSource hands to onmessage) and its JSON data.
type sseEvent struct {
	name string
	data map[string]any
}

// stream reads a generation's server-sent events until the stream ends.
func stream(t testing.TB, c *client, id string) []sseEvent {
	t.Helper()
	return readEvents(openStream(t, c, id))
}

// openStream starts a generation's event stream: once it returns, the
// server watches the generation.
func openStream(t testing.TB, c *client, id string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", c.base+"/api/v1/generations/"+id+"/stream", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("stream: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}
	return resp
}

// readEvents reads events until the stream ends. It calls no t.Fatal, so
// it may run in another goroutine; an undecodable event ends the list with
// its raw text under "undecodable".
func readEvents(resp *http.Response) []sseEvent {
	defer resp.Body.Close()
	var events []sseEvent
	var name string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if n, ok := strings.CutPrefix(line, "event: "); ok {
			name = n
		} else if data, ok := strings.CutPrefix(line, "data: "); ok {
			ev := sseEvent{name: name}
			if err := json.Unmarshal([]byte(data), &ev.data); err != nil {
				return append(events, sseEvent{name: "undecodable", data: map[string]any{"raw": data}})
			}
			events = append(events, ev)
		} else if line == "" {
			name = ""
		}
	}
	return events
}

// statuses returns the statuses of a stream's events, which must all be
// unnamed status events of generation id.
func statuses(t testing.TB, id string, events []sseEvent) []string {
	t.Helper()
	var out []string
	for _, ev := range events {
		if ev.name != "" || ev.data["generation_id"] != id {
			t.Fatalf("not a status event of %s: %+v", id, ev)
		}
		out = append(out, ev.data["status"].(string))
	}
	return out
}

func TestGenerationLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		e["VELRO_LOCAL_RENDER_DELAY"] = "300ms"
		s := startServer(t, e)
		c := s.client(t)
		ada := register(t, c, "ada@example.com")
		a := c.with(ada.Access)

		g := submit(t, a, map[string]any{"model_id": "local/image", "prompt": "a red fox", "negative_prompt": "blur",
			"parameters": map[string]any{"width": 64, "height": 1024, "unknown": true}})
		id := g["id"].(string)
		params := g["parameters"].(map[string]any)
		if g["status"] != "pending" || g["cost"] != 5.0 || g["media_type"] != "image" || params["height"] != 1024.0 ||
			params["width"] != 64.0 || params["unknown"] != nil || g["user_id"] != ada.ID {
			t.Fatalf("submitted %v", g)
		}
		// The stream reports each status change and ends at the terminal one.
		seen := statuses(t, id, stream(t, a, id))
		if last := seen[len(seen)-1]; last != "completed" || len(seen) < 2 {
			t.Fatalf("stream statuses %v", seen)
		}
		done := a.do("GET", "/api/v1/generations/"+id, nil).want(t, 200).JSON(t)
		outputs := done["output_urls"].([]any)
		if len(outputs) != 1 || !strings.HasPrefix(outputs[0].(string), "generations/"+id+"/") || done["completed_at"] == nil {
			t.Fatalf("completed %v", done)
		}
		if again := statuses(t, id, stream(t, a, id)); len(again) != 1 || again[0] != "completed" {
			t.Fatalf("stream of a finished generation %v", again)
		}
		if l := ledger(t, a, id); l["usage"] != 1 || l["refund"] != 0 {
			t.Fatalf("ledger %v", l)
		}

		// Signed URLs: no bearer token, right type, ranges; tampering refused.
		mu := a.do("GET", "/api/v1/generations/"+id+"/media-urls", nil).want(t, 200).JSON(t)
		url := mu["primary_url"].(string)
		if mu["file_count"] != 1.0 || mu["expires_in"] != 3600.0 || len(mu["signed_urls"].([]any)) != 1 {
			t.Fatalf("media urls %v", mu)
		}
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		png, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(string(png), "\x89PNG") ||
			!strings.HasPrefix(resp.Header.Get("Cache-Control"), "private, max-age=") {
			t.Fatalf("media: %d %v", resp.StatusCode, resp.Header)
		}
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Range", "bytes=0-3")
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		part, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 206 || string(part) != "\x89PNG" {
			t.Fatalf("range: %d %q", resp.StatusCode, part)
		}
		for _, bad := range []string{
			strings.Replace(url, "sig=", "sig=00", 1),
			strings.Replace(url, "expires=", "expires=9", 1),
			strings.Split(url, "?")[0],
		} {
			if status, _ := fetch(t, bad, ""); status != 403 {
				t.Fatalf("tampered %s got %d", bad, status)
			}
		}
		// Another generation's signature does not open this one.
		other := submit(t, a, map[string]any{"model_id": "local/image", "prompt": "a blue whale"})["id"].(string)
		waitStatus(t, a, other, "completed")
		otherURL := a.do("GET", "/api/v1/generations/"+other+"/media-urls", nil).want(t, 200).JSON(t)["primary_url"].(string)
		swapped := strings.Split(url, "?")[0] + "?" + strings.Split(otherURL, "?")[1]
		if status, _ := fetch(t, swapped, ""); status != 403 {
			t.Fatalf("another generation's signature: %d", status)
		}

		// Favorite toggles; cancel after completion is a conflict.
		if f := a.do("POST", "/api/v1/generations/"+id+"/favorite", nil).want(t, 200).JSON(t); f["is_favorite"] != true {
			t.Fatalf("favorite %v", f)
		}
		a.do("POST", "/api/v1/generations/"+id+"/cancel", nil).wantError(t, 409, "conflict")

		// Listing, stats.
		list := a.do("GET", "/api/v1/generations?limit=1", nil).want(t, 200).JSON(t)
		if list["total"] != 2.0 || len(list["generations"].([]any)) != 1 {
			t.Fatalf("list %v", list)
		}
		st := a.do("GET", "/api/v1/generations/stats", nil).want(t, 200).JSON(t)
		if st["total_generations"] != 2.0 || st["completed_generations"] != 2.0 || st["favorite_generations"] != 1.0 ||
			st["total_credits_used"] != 10.0 || st["success_rate"] != 100.0 {
			t.Fatalf("stats %v", st)
		}
		cs := a.do("GET", "/api/v1/credits/stats?days=7", nil).want(t, 200).JSON(t)
		if cs["current_balance"] != 990.0 || cs["period_days"] != 7.0 || cs["total_spent"] != 10.0 || cs["generation_count"] != 2.0 {
			t.Fatalf("credit stats %v", cs)
		}

		// Deleting removes the media: the signed URL now says gone.
		a.do("DELETE", "/api/v1/generations/"+id, nil).want(t, 200)
		a.do("GET", "/api/v1/generations/"+id, nil).wantError(t, 404, "not_found")
		if status, _ := fetch(t, url, ""); status != 410 {
			t.Fatalf("media of a deleted generation: %d", status)
		}
	})
}

func TestGenerationErrors(t *testing.T) {
	s := startServer(t, env{})
	c := s.client(t)
	ada := register(t, c, "ada@example.com")
	a := c.with(ada.Access)
	bad := []map[string]any{
		{"model_id": "no/such-model", "prompt": "x"},
		{"model_id": "local/image", "prompt": ""},
		{"model_id": "local/image", "prompt": "   "},
		{"model_id": "local/image", "prompt": strings.Repeat("p", 2001)},
		{"model_id": "local/image", "prompt": "x", "negative_prompt": strings.Repeat("n", 1001)},
		{"model_id": "local/image", "prompt": "x", "parameters": map[string]any{"width": "wide"}},
		{"model_id": "local/image", "prompt": "x", "parameters": map[string]any{"width": 100.5}},
		{"model_id": "local/image", "prompt": "x", "parameters": map[string]any{"height": 5000}},
		{"model_id": "fal-ai/flux-pro/v1.1-ultra", "prompt": "x", "parameters": map[string]any{"aspect_ratio": "7:5"}},
		{"model_id": "local/image", "prompt": "x", "project_id": "nope"},
		{"prompt": "x"},
	}
	for _, body := range bad {
		a.do("POST", "/api/v1/generations", body).wantError(t, 422, "invalid")
	}
	a.do("POST", "/api/v1/generations", map[string]any{"model_id": "fal-ai/veo3", "prompt": "x"}).wantError(t, 503, "provider_unavailable")
	a.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/image", "prompt": "x", "project_id": "00000000-0000-0000-0000-000000000001"}).
		wantError(t, 404, "not_found")
	c.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/image", "prompt": "x"}).wantError(t, 401, "unauthorized")
	a.do("GET", "/api/v1/generations/abc", nil).wantError(t, 422, "invalid")
	a.do("POST", "/api/v1/generations", `{"model_id": "local/image",`).wantError(t, 400, "bad_request")
	if l := ledger(t, a, ""); len(l) != 0 {
		t.Fatalf("refused submissions moved credits: %v", l)
	}
	if b := a.do("GET", "/api/v1/credits/balance", nil).JSON(t)["balance"]; b != 1000.0 {
		t.Fatalf("balance %v after refused submissions", b)
	}

	// 402 when the balance is short: video costs 20, so 50 of them cannot all pass.
	for range 50 {
		r := a.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/video", "prompt": "x", "parameters": map[string]any{"frames": 2, "width": 64, "height": 64}})
		if r.Status == 402 {
			r.wantError(t, 402, "insufficient_credits")
			break
		}
		r.want(t, 201)
	}
	if b := a.do("GET", "/api/v1/credits/balance", nil).JSON(t)["balance"]; b != 0.0 {
		t.Fatalf("balance %v", b)
	}
}

func TestIdempotencyAndForms(t *testing.T) {
	c := startServer(t, env{}).client(t)
	a := c.with(register(t, c, "ada@example.com").Access)
	body := map[string]any{"model_id": "local/image", "prompt": "same"}
	first := a.do("POST", "/api/v1/generations", body, "Idempotency-Key", "abc-1").want(t, 201)
	again := a.do("POST", "/api/v1/generations", body, "Idempotency-Key", "abc-1").want(t, 201)
	if first.Str(t, "id") != again.Str(t, "id") || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry gave %s then %s", first.Body, again.Body)
	}
	if b := a.do("GET", "/api/v1/credits/balance", nil).JSON(t)["balance"]; b != 995.0 {
		t.Fatalf("charged twice: balance %v", b)
	}

	// A multipart form with the same fields.
	g := formSubmit(a, "", "model_id", "local/image", "prompt", "from a form", "parameters", `{"width": 128}`).want(t, 201).JSON(t)
	if g["prompt"] != "from a form" || g["parameters"].(map[string]any)["width"] != 128.0 {
		t.Fatalf("multipart submit: %v", g)
	}
	// Form fields come from the body only, never from the query string.
	formSubmit(a, "?prompt=from+the+query", "model_id", "local/image").want(t, 422)
	formSubmit(a, "", "model_id", "local/image", "prompt", "p", "parameters", "not json").want(t, 422)
}

// formSubmit posts fields (name, value, ...) to the submit endpoint as a
// multipart form; query is appended to the path.
func formSubmit(c *client, query string, fields ...string) *response {
	var b strings.Builder
	for i := 0; i+1 < len(fields); i += 2 {
		fmt.Fprintf(&b, "--X\r\nContent-Disposition: form-data; name=%q\r\n\r\n%s\r\n", fields[i], fields[i+1])
	}
	b.WriteString("--X--\r\n")
	return c.do("POST", "/api/v1/generations"+query, b.String(), "Content-Type", "multipart/form-data; boundary=X")
}

func TestModels(t *testing.T) {
	c := startServer(t, env{}).client(t)
	all := c.do("GET", "/api/v1/models", nil).want(t, 200).JSON(t)["models"].([]any)
	if len(all) != 11 {
		t.Fatalf("%d models", len(all))
	}
	costs := map[string]float64{}
	for _, m := range all {
		mm := m.(map[string]any)
		costs[mm["id"].(string)] = mm["credits_cost"].(float64)
		if fal := strings.HasPrefix(mm["id"].(string), "fal-ai/"); mm["is_active"] == fal {
			t.Fatalf("without FAL_KEY, %v", mm)
		}
	}
	if costs["fal-ai/veo3"] != 500 || costs["local/image"] != 5 || costs["fal-ai/flux-pro/kontext/max"] != 60 {
		t.Fatalf("costs %v", costs)
	}
	if v := c.do("GET", "/api/v1/models?model_type=video", nil).want(t, 200).JSON(t)["models"].([]any); len(v) != 6 {
		t.Fatalf("%d video models", len(v))
	}
	sup := c.do("GET", "/api/v1/generations/models/supported", nil).want(t, 200).JSON(t)["models"].([]any)
	if m := sup[0].(map[string]any); len(sup) != 11 || m["model_id"] == nil || m["credits"] == nil || m["pricing"] == nil {
		t.Fatalf("supported %v", sup[0])
	}

	// One model, by an id with slashes; its pricing and inputs.
	kling := c.do("GET", "/api/v1/models/fal-ai/kling-video/v2.1/master/image-to-video", nil).want(t, 200).JSON(t)
	if p := kling["pricing"].(map[string]any); p["unit"] != "second" || p["credits_per_unit"] != 70.0 || kling["credits_cost"] != 350.0 {
		t.Fatalf("kling image-to-video %v", kling)
	}
	if in := kling["inputs"].([]any); len(in) != 2 || in[1] != "image" {
		t.Fatalf("kling image-to-video inputs %v", in)
	}
	c.do("GET", "/api/v1/models/fal-ai/no-such-model", nil).wantError(t, 404, "not_found")
	c.do("GET", "/api/v1/models/local", nil).wantError(t, 404, "not_found")
}

// TestCancelRefundsOnce: a generation cancelled mid-render is refunded once
// and never completes, though its render finishes.
func TestCancelRefundsOnce(t *testing.T) {
	c := startServer(t, env{"VELRO_LOCAL_RENDER_DELAY": "600ms"}).client(t)
	a := c.with(register(t, c, "ada@example.com").Access)
	id := submit(t, a, map[string]any{"model_id": "local/image", "prompt": "slow"})["id"].(string)
	waitStatus(t, a, id, "processing")
	if g := a.do("POST", "/api/v1/generations/"+id+"/cancel", nil).want(t, 200).JSON(t); g["status"] != "cancelled" {
		t.Fatalf("cancel %v", g)
	}
	a.do("POST", "/api/v1/generations/"+id+"/cancel", nil).wantError(t, 409, "conflict")
	waitFor(t, "the job to end", 20*time.Second, func() bool { return jobsEnded(t, c) == 1 }) // nothing runs for it any more
	if g := a.do("GET", "/api/v1/generations/"+id, nil).JSON(t); g["status"] != "cancelled" || len(g["output_urls"].([]any)) != 0 {
		t.Fatalf("after the render: %v", g)
	}
	if l := ledger(t, a, id); l["usage"] != 1 || l["refund"] != 1 {
		t.Fatalf("ledger %v", l)
	}
}

// jobsEnded is how many of the server's jobs the queue has finished with
// (completed, discarded or cancelled), as /metrics tells.
func jobsEnded(t testing.TB, c *client) int {
	t.Helper()
	m := string(c.do("GET", "/metrics", nil).want(t, 200).Body)
	n := 0
	for _, j := range regexp.MustCompile(`(?m)^velro_jobs\{state="(completed|discarded|cancelled)"\} (\d+)$`).FindAllStringSubmatch(m, -1) {
		k, _ := strconv.Atoi(j[2])
		n += k
	}
	return n
}

// TestStreamEndsOnDelete: a stream watching a generation that is deleted
// mid-render ends with a named "deleted" event (not a made-up status).
func TestStreamEndsOnDelete(t *testing.T) {
	c := startServer(t, env{"VELRO_LOCAL_RENDER_DELAY": "5s"}).client(t)
	a := c.with(register(t, c, "ada@example.com").Access)
	id := submit(t, a, map[string]any{"model_id": "local/image", "prompt": "slow"})["id"].(string)
	waitStatus(t, a, id, "processing")
	resp := openStream(t, a, id)
	got := make(chan []sseEvent, 1)
	go func() { got <- readEvents(resp) }()
	a.do("DELETE", "/api/v1/generations/"+id, nil).want(t, 200)
	select {
	case events := <-got:
		last := events[len(events)-1]
		if last.name != "deleted" || last.data["generation_id"] != id {
			t.Fatalf("stream ended with %+v", events)
		}
		if seen := statuses(t, id, events[:len(events)-1]); seen[0] != "processing" {
			t.Fatalf("statuses before the deletion %v", seen)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the stream did not end after the generation was deleted")
	}
}

// TestConcurrentSubmits: many submits race for too few credits, spread
// over two servers sharing one PostgreSQL: exactly as many are accepted as
// the balance covers, and the ledger matches the balance.
func TestConcurrentSubmits(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		servers := []*testServer{startServer(t, e)}
		if e["DATABASE_URL"] != "" {
			servers = append(servers, startServer(t, e))
		}
		acct := register(t, servers[0].client(t), "race@example.com")
		const n, cost = 70, 20 // 1000 credits cover 50
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[int]int{}
		for i := range n {
			c := servers[i%len(servers)].client(t).with(acct.Access)
			wg.Go(func() {
				r := c.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/video", "prompt": fmt.Sprint("race ", i),
					"parameters": map[string]any{"frames": 2, "width": 64, "height": 64}})
				mu.Lock()
				codes[r.Status]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if codes[201] != 1000/cost || codes[402] != n-1000/cost {
			t.Fatalf("statuses %v", codes)
		}
		c := servers[0].client(t).with(acct.Access)
		if b := c.do("GET", "/api/v1/credits/balance", nil).JSON(t)["balance"]; b != 0.0 {
			t.Fatalf("balance %v", b)
		}
		ledger(t, c, "")
	})
}

func TestAdminGrant(t *testing.T) {
	s := startServer(t, env{})
	c := s.client(t)
	boss, ada := adminOf(t, c, env{"VELRO_DATA_DIR": s.DataDir}, "boss@example.com"), register(t, c, "ada@example.com")
	grant := map[string]any{"email": ada.Email, "amount": 250, "description": "Beta tester"}
	c.with(ada.Access).do("POST", "/api/v1/admin/credits/grant", grant).wantError(t, 403, "forbidden")
	e := c.with(boss.Access).do("POST", "/api/v1/admin/credits/grant", grant).want(t, 201).JSON(t)
	if e["transaction_type"] != "grant" || e["amount"] != 250.0 || e["balance_after"] != 1250.0 {
		t.Fatalf("grant %v", e)
	}
	c.with(boss.Access).do("POST", "/api/v1/admin/credits/grant", map[string]any{"email": ada.Email, "amount": 0}).wantError(t, 422, "invalid")
	c.with(boss.Access).do("POST", "/api/v1/admin/credits/grant", map[string]any{"email": "nobody@example.com", "amount": 5}).wantError(t, 404, "not_found")
	a := c.with(ada.Access)
	if b := a.do("GET", "/api/v1/credits/balance", nil).JSON(t)["balance"]; b != 1250.0 {
		t.Fatalf("balance %v after the grant (a stale cached balance?)", b)
	}
	if cs := a.do("GET", "/api/v1/credits/stats", nil).want(t, 200).JSON(t); cs["total_purchased"] != 250.0 || cs["period_days"] != 30.0 {
		t.Fatalf("credit stats %v", cs)
	}
	ledger(t, a, "")
}

// TestStreamEndsOnRevocation: a team member follows a generation in a
// project shared with their team; the moment they are removed from the
// team, the stream ends with a named "revoked" event, on the instance that
// removed them and on another one.
func TestStreamEndsOnRevocation(t *testing.T) {
	check := func(t *testing.T, owner, watcher *client, member account, team, id string) {
		t.Helper()
		resp := openStream(t, watcher, id)
		got := make(chan []sseEvent, 1)
		go func() { got <- readEvents(resp) }()
		owner.do("DELETE", "/api/v1/teams/"+team+"/members/"+member.ID, nil).want(t, 200)
		select {
		case events := <-got:
			last := events[len(events)-1]
			if last.name != "revoked" || last.data["generation_id"] != id {
				t.Fatalf("stream ended with %+v", events)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("the stream went on after the watcher lost access")
		}
		owner.do("POST", "/api/v1/generations/"+id+"/cancel", nil).want(t, 200) // no job left for shutdown to wait on
	}
	setup := func(t *testing.T, owner *client, member account) (team, id string) {
		team = owner.do("POST", "/api/v1/teams", map[string]any{"name": "T"}).want(t, 201).Str(t, "id")
		owner.do("POST", "/api/v1/teams/"+team+"/members", map[string]any{"email": member.Email, "role": "viewer"}).want(t, 201)
		project := owner.do("POST", "/api/v1/projects", map[string]any{"name": "P", "visibility": "team-only"}).want(t, 201).Str(t, "id")
		owner.do("POST", "/api/v1/projects/"+project+"/teams", map[string]any{"team_id": team, "access_level": "read"}).want(t, 201)
		id = submit(t, owner, map[string]any{"model_id": "local/image", "prompt": "slow", "project_id": project})["id"].(string)
		waitStatus(t, owner, id, "processing")
		return team, id
	}
	slow := env{"VELRO_LOCAL_RENDER_DELAY": "60s"}
	t.Run("one instance", func(t *testing.T) {
		c := startServer(t, slow).client(t)
		o, m := register(t, c, "owner@example.com"), register(t, c, "member@example.com")
		team, id := setup(t, c.with(o.Access), m)
		check(t, c.with(o.Access), c.with(m.Access), m, team, id)
	})
	forEachSharedBackend(t, func(t *testing.T, e env) {
		e = merge(e, slow)
		a, b := startServer(t, e).client(t), startServer(t, e).client(t)
		o, m := register(t, a, "owner@example.com"), register(t, a, "member@example.com")
		team, id := setup(t, a.with(o.Access), m)
		check(t, a.with(o.Access), b.with(m.Access), m, team, id)
	})
}
