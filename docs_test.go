package velro_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// notInRepo are names of documents the repository does not have: the team
// notes the work started from. The repository's own docs (README.md,
// docs/guide.md, SECURITY.md, RELIABILITY.md, SCALING.md, BENCHMARKS.md,
// /openapi.json) are the reference everywhere, so nothing may cite these.
var notInRepo = regexp.MustCompile(`\b(API\.md|DESIGN\.md|PRD)\b`)

// TestDocsCiteOnlyRepoFiles reads every text file of the repository (docs,
// code, pages, dashboards) for a citation of a document it lacks.
func TestDocsCiteOnlyRepoFiles(t *testing.T) {
	read := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "vendor", "testdata", "velro-data":
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".md", ".html", ".js", ".css", ".json", ".yaml", ".yml", ".sql", ".sh", ".conf":
		default:
			if !strings.HasPrefix(path, ".ci") && !strings.HasPrefix(path, "scripts") {
				return nil
			}
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		read++
		for i, line := range strings.Split(string(raw), "\n") {
			if path == "docs_test.go" && strings.Contains(line, "regexp.MustCompile") {
				continue // the pattern itself
			}
			if m := notInRepo.FindString(line); m != "" {
				t.Errorf("%s:%d cites %s, which the repository does not have: cite its own docs", path, i+1, m)
			}
		}
		return nil
	})
	if err != nil || read < 100 {
		t.Fatalf("read %d files: %v", read, err)
	}
}
