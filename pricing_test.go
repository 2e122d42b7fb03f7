package velro_test

import (
	"testing"

	"github.com/velro-ai/velro"
)

// TestCatalogPrices is the catalog's price table: each model's price with
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
			t.Errorf("%s is not in the table", m.ID)
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

// TestPricingUnits checks the rule for choosing a unit (docs/guide.md,
// "Pricing"): image models
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

// TestQuotePrices is the pricing rule (docs/guide.md) written out: what each model
// charges for the values of the parameter its price depends on, and the
// values outside its schema that are refused (422 naming the field and what
// it accepts), never clamped into a price.
func TestQuotePrices(t *testing.T) {
	const (
		ultra   = "fal-ai/flux-pro/v1.1-ultra"
		kontext = "fal-ai/flux-pro/kontext/max"
		imagen  = "fal-ai/imagen4/preview/ultra"
		klingT  = "fal-ai/kling-video/v2.1/master/text-to-video"
		klingI  = "fal-ai/kling-video/v2.1/master/image-to-video"
		images  = "parameters.num_images: must be a whole number from 1 to 4"
		kling   = `parameters.duration: must be one of "5", "10"`
	)
	cases := []struct {
		model  string
		params map[string]any
		cost   int64
		err    string // the 422's message; "" when it is priced
	}{
		{ultra, nil, 50, ""},
		{ultra, map[string]any{"num_images": 1.0}, 50, ""},
		{ultra, map[string]any{"num_images": 2.0}, 100, ""},
		{ultra, map[string]any{"num_images": 3.0}, 150, ""},
		{ultra, map[string]any{"num_images": 4.0}, 200, ""},
		{ultra, map[string]any{"num_images": 5.0}, 0, images},
		{ultra, map[string]any{"num_images": 0.0}, 0, images},
		{ultra, map[string]any{"num_images": 2.5}, 0, images},
		{ultra, map[string]any{"num_images": "2"}, 0, images},
		{kontext, map[string]any{"num_images": 2.0}, 120, ""},
		{kontext, map[string]any{"num_images": 4.0}, 240, ""},
		{kontext, map[string]any{"num_images": 9.0}, 0, images},
		{imagen, map[string]any{"num_images": 3.0}, 135, ""},
		{imagen, map[string]any{"num_images": -1.0}, 0, images},
		{klingT, nil, 350, ""},
		{klingT, map[string]any{"duration": "5"}, 350, ""},
		{klingT, map[string]any{"duration": "10"}, 700, ""},
		{klingT, map[string]any{"duration": "7"}, 0, kling},
		{klingT, map[string]any{"duration": 10.0}, 0, kling},
		{klingI, map[string]any{"duration": "10"}, 700, ""},
		{"fal-ai/veo3", nil, 500, ""},
		{"fal-ai/veo3", map[string]any{"duration": "8s"}, 500, ""},
		{"fal-ai/veo3", map[string]any{"duration": "9s"}, 0, `parameters.duration: must be one of "8s"`},
		{"fal-ai/minimax/hailuo-02/pro/text-to-video", nil, 400, ""},
		{"fal-ai/wan-pro/text-to-video", nil, 300, ""},
		{"local/image", map[string]any{"width": 1024.0, "height": 64.0}, 5, ""},
		{"local/image-edit", nil, 5, ""},
		{"local/video", map[string]any{"frames": 48.0}, 20, ""},
		{"local/video", map[string]any{"frames": 49.0}, 0, "parameters.frames: must be a whole number from 2 to 48"},
	}
	for _, c := range cases {
		m, ok := velro.FindModel(c.model)
		if !ok {
			t.Fatalf("%s is not in the catalog", c.model)
		}
		q, err := m.Quote(c.params)
		switch {
		case c.err != "" && (velro.ErrorCode(err) != velro.EINVALID || velro.ErrorMessage(err) != c.err):
			t.Errorf("%s %v: %v (cost %d), want 422 %q", c.model, c.params, err, q.Cost, c.err)
		case c.err == "" && (err != nil || q.Cost != c.cost):
			t.Errorf("%s %v: cost %d (%v), want %d", c.model, c.params, q.Cost, err, c.cost)
		}
	}
}
