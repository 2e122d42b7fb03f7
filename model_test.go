package velro_test

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/velro-ai/velro"
)

// FuzzQuote gives every model arbitrary JSON parameters. The answer is
// EINVALID or parameters that obey the model's schema (only its names,
// numbers in range, whole numbers where integers go, enum values) with a
// positive price, and quoting them again changes neither.
func FuzzQuote(f *testing.F) {
	models := velro.Catalog()
	for i := range models {
		for _, params := range []string{`{}`, `{"width": 128, "height": 1e9, "seed": 3}`, `{"width": 1.5}`, `{"steps": -1e308}`,
			`{"aspect_ratio": "16:9", "duration": "5", "enable_safety_checker": true}`, `{"aspect_ratio": 7}`, `{"seed": null, "x": []}`} {
			f.Add(uint8(i), params)
		}
	}
	f.Fuzz(func(t *testing.T, model uint8, raw string) {
		m := models[int(model)%len(models)]
		var params map[string]any
		if json.Unmarshal([]byte(raw), &params) != nil {
			return // the API refuses the body before it gets here
		}
		q, err := m.Quote(params)
		if err != nil {
			if velro.ErrorCode(err) != velro.EINVALID {
				t.Fatalf("%s %s: %v", m.ID, raw, err)
			}
			return
		}
		out := q.Parameters
		if q.Cost <= 0 {
			t.Fatalf("%s %s: price %d", m.ID, raw, q.Cost)
		}
		for name, v := range out {
			spec, ok := m.Parameters[name]
			if !ok {
				t.Fatalf("%s %s: unknown parameter %q kept", m.ID, raw, name)
			}
			checkValue(t, m.ID+" "+raw+": "+name, spec, v)
		}
		again, err := m.Quote(out)
		if err != nil || !reflect.DeepEqual(again, q) {
			t.Fatalf("%s %s: quoted %v, then %v (%v)", m.ID, raw, q, again, err)
		}
	})
}

// checkValue fails unless v obeys spec.
func checkValue(t *testing.T, what string, spec velro.ParamSpec, v any) {
	t.Helper()
	switch spec.Type {
	case "integer", "number":
		n, ok := v.(float64)
		if !ok || math.IsNaN(n) || math.IsInf(n, 0) || spec.Type == "integer" && n != math.Trunc(n) ||
			spec.Minimum != nil && n < *spec.Minimum || spec.Maximum != nil && n > *spec.Maximum {
			t.Fatalf("%s = %v breaks %+v", what, v, spec)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			t.Fatalf("%s = %v is not a boolean", what, v)
		}
	case "string":
		s, ok := v.(string)
		if !ok || len(spec.Enum) > 0 && !slices.Contains(spec.Enum, s) {
			t.Fatalf("%s = %v breaks %+v", what, v, spec)
		}
	}
}

// TestQuoteParameters is the schema rule (docs/guide.md, "Pricing"), case
// by case: missing parameters take their default, unknown ones are not
// sent, and a value the schema does not accept is a 422 naming each field
// and what it accepts, never clamped.
func TestQuoteParameters(t *testing.T) {
	const (
		width  = "parameters.width: must be a whole number from 64 to 1024"
		height = "parameters.height: must be a whole number from 64 to 1024"
	)
	cases := []struct {
		model  string
		params map[string]any
		want   map[string]any // the normalised parameters, when accepted
		fields []string       // the refused fields' messages, in order
	}{
		{"local/image", nil, map[string]any{"width": 512.0, "height": 512.0}, nil},
		{"local/image", map[string]any{"width": 64.0, "height": 1024.0, "seed": 0.0},
			map[string]any{"width": 64.0, "height": 1024.0, "seed": 0.0}, nil},
		{"local/image", map[string]any{"width": 128.0, "unknown": true, "steps": 9.0},
			map[string]any{"width": 128.0, "height": 512.0}, nil},
		{"local/image", map[string]any{"seed": nil}, map[string]any{"width": 512.0, "height": 512.0}, nil},
		{"local/image", map[string]any{"width": 63.0}, nil, []string{width}},
		{"local/image", map[string]any{"width": 1025.0}, nil, []string{width}},
		{"local/image", map[string]any{"width": 100.5}, nil, []string{width}},
		{"local/image", map[string]any{"width": "wide"}, nil, []string{width}},
		{"local/image", map[string]any{"width": 2000.0, "height": 10.0}, nil, []string{height, width}},
		{"local/image", map[string]any{"seed": -1.0}, nil, []string{"parameters.seed: must be a whole number from 0 to 2147483647"}},
		{"fal-ai/flux-pro/kontext/max", map[string]any{"guidance_scale": 1.5},
			map[string]any{"guidance_scale": 1.5, "aspect_ratio": "1:1", "num_images": 1.0, "output_format": "jpeg"}, nil},
		{"fal-ai/flux-pro/kontext/max", map[string]any{"guidance_scale": 0.5}, nil,
			[]string{"parameters.guidance_scale: must be a number from 1 to 20"}},
		{"fal-ai/flux-pro/v1.1-ultra", map[string]any{"raw": "yes", "output_format": "gif"}, nil,
			[]string{`parameters.output_format: must be one of "jpeg", "png"`, "parameters.raw: must be true or false"}},
		{"fal-ai/kling-video/v2.1/master/text-to-video", map[string]any{"cfg_scale": 1.01}, nil,
			[]string{"parameters.cfg_scale: must be a number from 0 to 1"}},
	}
	for _, c := range cases {
		m, _ := velro.FindModel(c.model)
		q, err := m.Quote(c.params)
		if c.fields == nil {
			if err != nil || !reflect.DeepEqual(q.Parameters, c.want) {
				t.Errorf("%s %v: %v (%v), want %v", c.model, c.params, q.Parameters, err, c.want)
			}
			continue
		}
		var e *velro.Error
		if !errors.As(err, &e) || e.Code != velro.EINVALID {
			t.Errorf("%s %v: %v (%v), want 422", c.model, c.params, q.Parameters, err)
			continue
		}
		var got []string
		for _, f := range e.Fields {
			got = append(got, f.Field+": "+f.Message)
		}
		if !slices.Equal(got, c.fields) || e.Message != strings.Join(c.fields, "; ") {
			t.Errorf("%s %v: %q %q, want %q", c.model, c.params, e.Message, got, c.fields)
		}
	}
}
