package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// requestShape is a request written in the docs the way they write them:
// `POST /api/v1/teams/{id}/invitations {email, role}`.
var requestShape = regexp.MustCompile("`(GET|POST|PUT|PATCH|DELETE) (/[^ `]*) \\{([a-z_?, ]+)\\}`")

// TestDocsRequestFields: each request the guide and the README write as
// `METHOD /path {field, ...}` is an operation of /openapi.json whose body
// has those fields, so a reader who copies one sends names the API reads.
func TestDocsRequestFields(t *testing.T) {
	c := startServer(t, env{}).client(t)
	doc := c.do("GET", "/openapi.json", nil).want(t, 200).JSON(t)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	params := regexp.MustCompile(`\{[^}]*\}`)
	operations := map[string]map[string]any{} // "POST /api/v1/teams/{}/invitations" -> operation
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			if op, ok := op.(map[string]any); ok {
				operations[strings.ToUpper(method)+" "+params.ReplaceAllString(path, "{}")] = op
			}
		}
	}
	checked := 0
	for _, file := range []string{"../../docs/guide.md", "../../README.md"} {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range requestShape.FindAllStringSubmatch(string(raw), -1) {
			op, ok := operations[m[1]+" "+params.ReplaceAllString(m[2], "{}")]
			if !ok {
				t.Errorf("%s: %s %s is no operation of the API", file, m[1], m[2])
				continue
			}
			body, _ := op["requestBody"].(map[string]any)
			content, _ := body["content"].(map[string]any)
			media, _ := content["application/json"].(map[string]any)
			schema, _ := media["schema"].(map[string]any)
			if ref, ok := schema["$ref"].(string); ok {
				schema, _ = schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
			}
			props, _ := schema["properties"].(map[string]any)
			for _, field := range strings.Split(m[3], ",") {
				if field = strings.TrimSuffix(strings.TrimSpace(field), "?"); props[field] == nil {
					t.Errorf("%s: %s names %q, which %s %s does not read", file, m[0], field, m[1], m[2])
				}
			}
			checked++
		}
	}
	if checked < 8 {
		t.Fatalf("only %d requests checked", checked)
	}
}

// TestREADMEDataDir: what a server leaves in its data dir is what the
// README's "Run" says is there, entry by entry.
func TestREADMEDataDir(t *testing.T) {
	s := startServer(t, env{})
	c := s.client(t)
	ada := register(t, c, "ada@example.com")
	c.with(ada.Access).do("POST", "/api/v1/auth/verify/send", nil).want(t, 202) // a mail in the outbox
	generateImage(t, c.with(ada.Access))                                        // media
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, run, _ := strings.Cut(string(raw), "\n## Run\n")
	run, _, _ = strings.Cut(run, "\n## ")
	entries, err := os.ReadDir(s.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		name := strings.TrimSuffix(strings.TrimSuffix(e.Name(), "-wal"), "-shm") // SQLite's own companions
		if e.IsDir() {
			name += "/"
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		if !strings.Contains(run, "`"+name+"`") {
			t.Errorf("the data dir holds %s, which README.md's Run does not name", name)
		}
	}
	for _, want := range []string{"velro.db", "velro.lock", "media/", "outbox/"} {
		if !seen[want] {
			t.Errorf("the data dir has no %s (it has %v)", want, seen)
		}
	}
}
