package main

import (
	"testing"
)

// TestIdempotencyKeyReuse: the same Idempotency-Key with the same request
// (spelled differently: parameter order, defaults written out, blanks
// around the prompt) replays the first generation; with a different
// request it is refused with 422 idempotency_key_reused and nothing is
// charged.
func TestIdempotencyKeyReuse(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		c := startServer(t, e).client(t)
		a := c.with(register(t, c, "ada@example.com").Access)
		project := a.do("POST", "/api/v1/projects", map[string]any{"name": "P"}).want(t, 201).Str(t, "id")
		body := map[string]any{"model_id": "local/image", "prompt": "a fox", "parameters": map[string]any{"width": 128}}
		first := a.do("POST", "/api/v1/generations", body, "Idempotency-Key", "k1").want(t, 201)
		id := first.Str(t, "id")

		same := map[string]any{"model_id": "local/image", "prompt": "  a fox ", "parameters": map[string]any{"width": 128.0, "unknown": 1}}
		again := a.do("POST", "/api/v1/generations", same, "Idempotency-Key", "k1").want(t, 201)
		if again.Str(t, "id") != id || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("the same request spelled differently: %s", again.Body)
		}

		for name, other := range map[string]map[string]any{
			"prompt":          {"model_id": "local/image", "prompt": "a wolf", "parameters": map[string]any{"width": 128}},
			"parameters":      {"model_id": "local/image", "prompt": "a fox", "parameters": map[string]any{"width": 256}},
			"model":           {"model_id": "local/video", "prompt": "a fox", "parameters": map[string]any{"width": 128}},
			"negative prompt": {"model_id": "local/image", "prompt": "a fox", "negative_prompt": "blur", "parameters": map[string]any{"width": 128}},
			"project":         {"model_id": "local/image", "prompt": "a fox", "project_id": project, "parameters": map[string]any{"width": 128}},
		} {
			r := a.do("POST", "/api/v1/generations", other, "Idempotency-Key", "k1")
			if r.Status != 422 || r.Str(t, "error") != "idempotency_key_reused" {
				t.Errorf("key reused with another %s: %d %s", name, r.Status, r.Body)
			}
		}
		if b := a.do("GET", "/api/v1/credits/balance", nil).JSON(t)["balance"]; b != 995.0 {
			t.Fatalf("balance %v: want one charge of 5", b)
		}
		// Another key is another request.
		a.do("POST", "/api/v1/generations", body, "Idempotency-Key", "k2").want(t, 201)
	})
}

// TestIdempotencyKeyRace: requests with one key and two different bodies
// at the same instant: one body wins, its requests all get the one
// generation, the other body's get 422, and one charge is made.
func TestIdempotencyKeyRace(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		c := startServer(t, e).client(t)
		a := c.with(register(t, c, "race@example.com").Access)
		bodies := []map[string]any{
			{"model_id": "local/image", "prompt": "one"},
			{"model_id": "local/image", "prompt": "two"},
		}
		const n = 10
		results := make([]*response, n)
		parallel(t, n, func(i int) *response {
			results[i] = a.do("POST", "/api/v1/generations", bodies[i%2], "Idempotency-Key", "race")
			return results[i]
		})
		ids, refused := map[string]int{}, map[int]int{}
		for i, r := range results {
			switch r.Status {
			case 201:
				ids[r.Str(t, "id")]++
				if r.Str(t, "prompt") != bodies[i%2]["prompt"] {
					t.Fatalf("request %d (%v) got %s", i, bodies[i%2], r.Body)
				}
			case 422:
				if r.Str(t, "error") != "idempotency_key_reused" {
					t.Fatalf("422 %s", r.Body)
				}
				refused[i%2]++
			default:
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
		}
		if len(ids) != 1 || len(refused) != 1 || refused[0]+refused[1] != n/2 {
			t.Fatalf("generations %v, refused per body %v", ids, refused)
		}
		if b := a.do("GET", "/api/v1/credits/balance", nil).JSON(t)["balance"]; b != 995.0 {
			t.Fatalf("balance %v: want one charge of 5", b)
		}
	})
}
