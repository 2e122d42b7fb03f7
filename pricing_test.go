package velro_test

import (
	"testing"

	"github.com/velro-ai/velro"
)

// TestCatalogPrices is API.md's catalog table: each model's price with
// default parameters, and the unit it is priced by.
func TestCatalogPrices(t *testing.T) {
	want := map[string]struct {
		cost int64
		unit velro.PricingUnit
	}{
		"fal-ai/flux-pro/v1.1-ultra":                    {50, velro.PerImage},
		"fal-ai/flux-pro/kontext/max":                   {60, velro.PerImage},
		"fal-ai/imagen4/preview/ultra":                  {45, velro.PerImage},
		"fal-ai/veo3":                                   {500, velro.PerGeneration},
		"fal-ai/minimax/hailuo-02/pro/text-to-video":    {400, velro.PerGeneration},
		"fal-ai/kling-video/v2.1/master/text-to-video":  {350, velro.PerSecond},
		"fal-ai/kling-video/v2.1/master/image-to-video": {350, velro.PerSecond},
		"fal-ai/wan-pro/text-to-video":                  {300, velro.PerGeneration},
		"local/image":                                   {5, velro.PerGeneration},
		"local/image-edit":                              {5, velro.PerGeneration},
		"local/video":                                   {20, velro.PerGeneration},
	}
	catalog := velro.Catalog()
	if len(catalog) != len(want) {
		t.Fatalf("catalog has %d models, the table %d", len(catalog), len(want))
	}
	for _, m := range catalog {
		w, ok := want[m.ID]
		if !ok {
			t.Errorf("%s is not in API.md's table", m.ID)
			continue
		}
		if m.CreditsCost != w.cost || m.Pricing.Unit != w.unit {
			t.Errorf("%s: %d credits per %s, want %d per %s", m.ID, m.CreditsCost, m.Pricing.Unit, w.cost, w.unit)
		}
		if len(m.Inputs) == 0 || m.Inputs[0] != velro.InputText {
			t.Errorf("%s: inputs %v", m.ID, m.Inputs)
		}
	}
}

// TestPricingUnits checks API.md's rule for choosing a unit: image models
// that take num_images are priced per image, video models whose duration
// takes several values per second, the rest per generation.
func TestPricingUnits(t *testing.T) {
	for _, m := range velro.Catalog() {
		_, images := m.Parameters["num_images"]
		durations := len(m.Parameters["duration"].Enum)
		var want velro.PricingUnit
		switch {
		case m.Type == velro.MediaImage && images:
			want = velro.PerImage
		case m.Type == velro.MediaVideo && durations > 1:
			want = velro.PerSecond
		default:
			want = velro.PerGeneration
		}
		if m.Pricing.Unit != want {
			t.Errorf("%s is priced per %s, the rule says per %s", m.ID, m.Pricing.Unit, want)
		}
	}
}

// TestQuoteEveryValue prices every model at every value of the parameter
// its price depends on: the cost is credits_per_unit times the value the
// normalised parameters carry (what the provider is sent), and out-of-range
// counts are clamped before they are priced.
func TestQuoteEveryValue(t *testing.T) {
	cases := 0
	for _, m := range velro.Catalog() {
		per := m.Pricing.CreditsPerUnit
		switch m.Pricing.Unit {
		case velro.PerImage:
			for n := 0; n <= 6; n++ {
				q, err := m.Quote(map[string]any{"num_images": float64(n)})
				if err != nil {
					t.Fatalf("%s num_images=%d: %v", m.ID, n, err)
				}
				sent := int64(q.Parameters["num_images"].(float64))
				if want := int64(min(max(n, 1), 4)); sent != want {
					t.Errorf("%s num_images=%d: %d sent, want %d", m.ID, n, sent, want)
				}
				if q.Cost != per*sent {
					t.Errorf("%s num_images=%d: cost %d, want %d x %d", m.ID, n, q.Cost, per, sent)
				}
				cases++
			}
		case velro.PerSecond:
			for _, d := range m.Parameters["duration"].Enum {
				q, err := m.Quote(map[string]any{"duration": d})
				if err != nil {
					t.Fatalf("%s duration=%s: %v", m.ID, d, err)
				}
				seconds := map[string]int64{"5": 5, "10": 10}[q.Parameters["duration"].(string)]
				if q.Parameters["duration"] != d || q.Cost != per*seconds {
					t.Errorf("%s duration=%s: sent %v, cost %d, want %d x %d", m.ID, d, q.Parameters["duration"], q.Cost, per, seconds)
				}
				cases++
			}
			if _, err := m.Quote(map[string]any{"duration": "7"}); velro.ErrorCode(err) != velro.EINVALID {
				t.Errorf("%s: a duration outside the enum is %v, want invalid", m.ID, err)
			}
		case velro.PerGeneration:
			q, err := m.Quote(nil)
			if err != nil || q.Cost != per || q.Cost != m.CreditsCost {
				t.Errorf("%s: cost %d (%v), want %d", m.ID, q.Cost, err, per)
			}
			cases++
		}
	}
	if cases < 20 {
		t.Fatalf("only %d cases priced", cases)
	}
	kling, _ := velro.FindModel("fal-ai/kling-video/v2.1/master/text-to-video")
	if q, _ := kling.Quote(map[string]any{"duration": "10"}); q.Cost != 700 {
		t.Errorf("kling 10 s costs %d, API.md says 700", q.Cost)
	}
}
