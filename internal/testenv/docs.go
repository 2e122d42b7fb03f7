package testenv

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated sections of README.md and docs/")

// Generated checks that the section of the file at path between the lines
// "<!-- name: ... -->" and "<!-- /name -->" is content: tables in the docs
// that are generated from the code stay true. With -update it rewrites the
// section instead.
func Generated(t *testing.T, path, name, content string) {
	t.Helper()
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?s)(<!-- ` + regexp.QuoteMeta(name) + `:[^\n]*-->\n).*?(<!-- /` + regexp.QuoteMeta(name) + ` -->)`)
	if !re.Match(doc) {
		t.Fatalf("%s has no %q section markers", path, name)
	}
	want := re.ReplaceAll(doc, []byte("${1}"+strings.ReplaceAll(content, "$", "$$")+"${2}"))
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(want) != string(doc) {
		t.Fatalf("the %q section of %s is out of date; run go test with -update in the package of %s", name, path, t.Name())
	}
}
