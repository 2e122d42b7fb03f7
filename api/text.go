package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// jsonFormat is huma's JSON format, refusing request bodies whose text
// holds a NUL character: PostgreSQL cannot store one in text or jsonb, and
// both engines must take the same input. The refusal is a 400 naming the
// problem, never a database error.
var jsonFormat = huma.Format{
	Marshal:   huma.DefaultJSONFormat.Marshal,
	Unmarshal: unmarshalText,
}

var errNUL = errors.New(`text must not contain NUL characters (\u0000)`)

func unmarshalText(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return err
	}
	// JSON can only carry a NUL as this escape; the walk rules out an
	// escaped backslash followed by "u0000".
	if bytes.Contains(data, []byte(`\u0000`)) && holdsNUL(reflect.ValueOf(v)) {
		return errNUL
	}
	return nil
}

// holdsNUL reports whether any string in v, map keys included, contains a
// NUL character.
func holdsNUL(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		return strings.IndexByte(v.String(), 0) >= 0
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && holdsNUL(v.Elem())
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if holdsNUL(v.Index(i)) {
				return true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if holdsNUL(it.Key()) || holdsNUL(it.Value()) {
				return true
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if holdsNUL(v.Field(i)) {
				return true
			}
		}
	}
	return false
}
