package velro

import "testing"

// TestCheckName: the written table of names accepted and refused, each
// refusal naming the field.
func TestCheckName(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"Studio", true},
		{"Équipe été 2026", true},
		{"日本のチーム", true},
		{"فريق", true},                     // right-to-left text itself is fine
		{"👩‍👩‍👧 family", true},             // zero-width joiners in emoji
		{"ACTION REQUIRED: restore", true}, // wording is not a character
		{"Ops\rBcc: x@evil.example\r\nX-Injected: 1", false},
		{"line\nbreak", false},
		{"tab\there", false},
		{"nul\x00", false},
		{"del\x7f", false},
		{"c1\u0085next line", false},
		{"line\u2028separator", false},
		{"para\u2029separator", false},
		{"invoice\u202Egnp.exe", false}, // right-to-left override
		{"a\u202Ab", false},             // left-to-right embedding
		{"a\u202Cb", false},             // pop directional formatting
		{"a\u2066b\u2069", false},       // isolates
		{"a\u200Fb", false},             // right-to-left mark
		{"a\u061Cb", false},             // Arabic letter mark
		{"bad \xff utf-8", false},
	} {
		err := CheckName("name", c.name)
		if (err == nil) != c.ok {
			t.Errorf("CheckName(%q) = %v, want ok %v", c.name, err, c.ok)
		}
		if err != nil {
			if e := err.(*Error); e.Code != EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "name" {
				t.Errorf("CheckName(%q) = %#v, want EINVALID naming the field", c.name, e)
			}
		}
	}
}
