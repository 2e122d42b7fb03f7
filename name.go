package velro

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// CheckName refuses a name people are shown (of a team, a project, an
// account, a file) that holds a character able to disguise it or what
// follows it: control characters (a carriage return cuts a mail header),
// line and paragraph separators, and bidirectional formatting characters
// (an override makes "invoice\u202Egnp.exe" read "invoiceexe.png").
// EINVALID naming field.
func CheckName(field, name string) error {
	if !utf8.ValidString(name) {
		return Invalid(field, "must be valid UTF-8")
	}
	for _, r := range name {
		if disguising(r) {
			return Invalid(field, fmt.Sprintf("must not contain control, line-break or bidirectional formatting characters (it has U+%04X)", r))
		}
	}
	return nil
}

// disguising reports whether r is one of the characters CheckName refuses.
func disguising(r rune) bool {
	switch {
	case unicode.IsControl(r): // C0 (tab, CR, LF...), DEL, C1
		return true
	case r == '\u2028', r == '\u2029': // line and paragraph separators
		return true
	case r == '\u061C', r == '\u200E', r == '\u200F': // bidi marks
		return true
	case r >= '\u202A' && r <= '\u202E': // embeddings and overrides
		return true
	case r >= '\u2066' && r <= '\u2069': // isolates
		return true
	}
	return false
}
