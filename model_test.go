package velro_test

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
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
