package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/velro-ai/velro/internal/falfake"
)

// TestPricing checks, for every model and every value of the parameter
// its price depends on, that the quote is what submit charges, that the
// ledger's usage entry is that charge, and that the provider is sent the
// num_images or duration that was priced.
func TestPricing(t *testing.T) {
	fal := falfake.New(t, falfake.Config{})
	e := env{"FAL_KEY": "test-key", "FAL_BASE_URL": fal.URL()}
	s := startServer(t, e)
	c := s.client(t)
	e["VELRO_DATA_DIR"] = s.DataDir
	ada := adminOf(t, c, e, "ada@example.com") // grants herself the credits the prices need
	a := c.with(ada.Access)
	a.do("POST", "/api/v1/admin/credits/grant", map[string]any{"email": ada.Email, "amount": 100_000}).want(t, 201)
	ref := upload(t, a, "ref.png", pngOf(t, 16, 16)).want(t, 201).Str(t, "id")

	models := c.do("GET", "/api/v1/models", nil).want(t, 200).JSON(t)["models"].([]any)
	cases := 0
	for _, raw := range models {
		m := raw.(map[string]any)
		id := m["id"].(string)
		pricing := m["pricing"].(map[string]any)
		perUnit := pricing["credits_per_unit"].(float64)
		var variants []map[string]any // parameters to try, and the units each buys
		var units []float64
		switch pricing["unit"] {
		case "image":
			for n := 1; n <= 4; n++ {
				variants = append(variants, map[string]any{"num_images": n})
				units = append(units, float64(n))
			}
		case "second":
			for _, d := range m["parameters"].(map[string]any)["duration"].(map[string]any)["enum"].([]any) {
				var secs float64
				fmt.Sscan(d.(string), &secs)
				variants = append(variants, map[string]any{"duration": d})
				units = append(units, secs)
			}
		default:
			variants, units = []map[string]any{{}}, []float64{1}
		}
		if q := a.do("POST", "/api/v1/generations/quote", map[string]any{"model_id": id}).want(t, 200).JSON(t); q["cost"] != m["credits_cost"] {
			t.Errorf("%s: credits_cost %v, but the defaults cost %v", id, m["credits_cost"], q["cost"])
		}
		for i, params := range variants {
			name := fmt.Sprintf("%s %v", id, params)
			q := a.do("POST", "/api/v1/generations/quote", map[string]any{"model_id": id, "parameters": params}).want(t, 200).JSON(t)
			if q["cost"] != perUnit*units[i] || q["model_id"] != id {
				t.Errorf("%s: quote %v, want %v x %v", name, q, perUnit, units[i])
			}
			before := len(fal.Calls("POST", "/"+id))
			body := map[string]any{"model_id": id, "prompt": "priced", "parameters": params}
			if len(m["inputs"].([]any)) == 2 {
				body["reference_upload_ids"] = []string{ref}
			}
			g := submit(t, a, body)
			if g["cost"] != q["cost"] || !reflect.DeepEqual(g["parameters"], q["parameters"]) {
				t.Errorf("%s: submit charged %v with %v, quote said %v with %v", name, g["cost"], g["parameters"], q["cost"], q["parameters"])
			}
			if usage := usageEntry(t, a, g["id"].(string)); usage != -g["cost"].(float64) {
				t.Errorf("%s: ledger usage %v for a cost of %v", name, usage, g["cost"])
			}
			if m["provider"] == "fal" {
				sent := providerInput(t, fal, id, before)
				for _, p := range []string{"num_images", "duration"} {
					if want, priced := q["parameters"].(map[string]any)[p]; priced && sent[p] != want {
						t.Errorf("%s: the provider was sent %s=%v, %v was priced", name, p, sent[p], want)
					}
				}
			}
			cases++
		}
	}
	if cases < 22 { // 3 image models x 4 counts, 2 Kling x 2 durations, 6 at one price
		t.Fatalf("only %d cases", cases)
	}
	refusedOutsideSchema(t, a)
	a.do("POST", "/api/v1/generations/quote", map[string]any{"model_id": "fal-ai/nope"}).wantError(t, 422, "invalid")
	a.do("POST", "/api/v1/generations/quote", map[string]any{"model_id": "fal-ai/veo3", "parameters": map[string]any{"duration": "9s"}}).wantError(t, 422, "invalid")
	c.do("POST", "/api/v1/generations/quote", map[string]any{"model_id": "fal-ai/veo3"}).wantError(t, 401, "unauthorized")
}

// refusedOutsideSchema: a parameter outside the model's schema is a 422
// naming the field and what it accepts, from quote and submit alike, never
// clamped into a charge.
func refusedOutsideSchema(t *testing.T, a *client) {
	t.Helper()
	balance := a.do("GET", "/api/v1/credits/balance", nil).want(t, 200).JSON(t)["balance"]
	cases := []struct {
		model  string
		params map[string]any
		field  string
		detail string
	}{
		{"fal-ai/flux-pro/v1.1-ultra", map[string]any{"num_images": 5}, "parameters.num_images", "parameters.num_images: must be a whole number from 1 to 4"},
		{"fal-ai/imagen4/preview/ultra", map[string]any{"num_images": 0}, "parameters.num_images", "parameters.num_images: must be a whole number from 1 to 4"},
		{"fal-ai/kling-video/v2.1/master/text-to-video", map[string]any{"duration": "15"}, "parameters.duration", `parameters.duration: must be one of "5", "10"`},
		{"local/image", map[string]any{"height": 5000}, "parameters.height", "parameters.height: must be a whole number from 64 to 1024"},
	}
	for _, c := range cases {
		for _, path := range []string{"/api/v1/generations/quote", "/api/v1/generations"} {
			body := a.do("POST", path, map[string]any{"model_id": c.model, "prompt": "refused", "parameters": c.params}).wantError(t, 422, "invalid").JSON(t)
			errs, _ := body["errors"].([]any)
			if body["detail"] != c.detail || len(errs) != 1 || errs[0].(map[string]any)["field"] != c.field {
				t.Errorf("%s %s %v: %v, want %q naming %s", path, c.model, c.params, body, c.detail, c.field)
			}
		}
	}
	if after := a.do("GET", "/api/v1/credits/balance", nil).want(t, 200).JSON(t)["balance"]; after != balance {
		t.Errorf("refused submits moved the balance from %v to %v", balance, after)
	}
}

// usageEntry is the amount of the usage ledger entry of a generation.
func usageEntry(t *testing.T, c *client, genID string) float64 {
	t.Helper()
	tx := c.do("GET", "/api/v1/credits/transactions?limit=100", nil).want(t, 200).JSON(t)
	for _, e := range tx["transactions"].([]any) {
		if m := e.(map[string]any); m["generation_id"] == genID && m["transaction_type"] == "usage" {
			return m["amount"].(float64)
		}
	}
	t.Fatalf("no usage entry for %s", genID)
	return 0
}

// providerInput waits for the stand-in's submit number before+1 of a
// model and returns its input.
func providerInput(t *testing.T, fal *falfake.Server, model string, before int) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if calls := fal.Calls("POST", "/"+model); len(calls) > before {
			var in map[string]any
			if err := json.Unmarshal(calls[before].Body, &in); err != nil {
				t.Fatal(err)
			}
			return in
		}
		if time.Now().After(deadline) {
			t.Fatalf("the provider got no submit for %s", model)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
