package main

import (
	"strings"
	"testing"
)

// TestOpenAPIDocumentsErrors: the error responses /openapi.json describes
// are the ones the server sends (the error body as application/json), and
// operations on a resource document 403 and 404.
func TestOpenAPIDocumentsErrors(t *testing.T) {
	c := startServer(t, env{}).client(t)
	doc := c.do("GET", "/openapi.json", nil).want(t, 200).JSON(t)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	resolve := func(schema map[string]any) map[string]any {
		if ref, ok := schema["$ref"].(string); ok {
			return schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
		}
		return schema
	}
	checked := 0
	for path, item := range doc["paths"].(map[string]any) {
		for method, raw := range item.(map[string]any) {
			op, ok := raw.(map[string]any)
			if !ok {
				continue
			}
			responses := op["responses"].(map[string]any)
			for status, raw := range responses {
				if strings.HasPrefix(status, "2") {
					continue
				}
				content := raw.(map[string]any)["content"].(map[string]any)
				media, ok := content["application/json"].(map[string]any)
				if !ok || len(content) != 1 {
					t.Fatalf("%s %s %s: error content %v, want application/json only", method, path, status, content)
				}
				props := resolve(media["schema"].(map[string]any))["properties"].(map[string]any)
				for _, field := range []string{"detail", "error", "request_id"} {
					if props[field] == nil {
						t.Fatalf("%s %s %s: error schema lacks %q: %v", method, path, status, field, props)
					}
				}
				checked++
			}
			// authorize answers 403 for a generation the caller cannot see.
			hides := !strings.HasSuffix(path, "/authorize")
			if op["security"] != nil && strings.Contains(path, "{id}") && (responses["403"] == nil || hides && responses["404"] == nil) {
				t.Errorf("%s %s does not document 403 and 404", method, path)
			}
		}
	}
	if checked < 50 {
		t.Fatalf("only %d error responses documented", checked)
	}
}
