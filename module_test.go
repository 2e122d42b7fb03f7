package velro_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestModuleLeavesOutDeployLibraries: the libraries that read the
// deployment files (BuildKit's Dockerfile parser, compose-go, the
// Kubernetes API types) belong to deploy/'s module, not to Velro's.
func TestModuleLeavesOutDeployLibraries(t *testing.T) {
	for _, file := range []string{"go.mod", "go.sum"} {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"github.com/moby/buildkit ", "github.com/compose-spec/compose-go", "k8s.io/api ", "k8s.io/apimachinery ", "sigs.k8s.io/yaml "} {
			if strings.Contains(string(raw), path) {
				t.Errorf("%s names %s: deployment checks go in deploy/ (its own go.mod)", file, strings.TrimSpace(path))
			}
		}
	}
}

// TestOnlyTheWiringHoldsTheRawStore: every write goes through the guard,
// which publishes its effects. So no package but the wiring (cmd/velro),
// the engines that implement sqlstore's interfaces and the queue that
// inserts jobs in its transactions imports sqlstore; and the wiring makes
// the raw store only where it hands it to the guard (deps.go) or where no
// server can be running (backup.go: a restored data dir).
func TestOnlyTheWiringHoldsTheRawStore(t *testing.T) {
	importers := map[string]bool{"cmd/velro": true, "sqlite": true, "postgres": true, "queue": true, "internal/testenv": true, "sqlstore": true}
	constructors := map[string]bool{"cmd/velro/deps.go": true, "cmd/velro/backup.go": true, "internal/testenv/stores.go": true}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (path == "deploy" || strings.HasPrefix(d.Name(), ".") && path != ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if imp.Path.Value == `"github.com/velro-ai/velro/sqlstore"` && !importers[filepath.Dir(path)] {
				t.Errorf("%s imports sqlstore: write through the guard (guard.Store) instead", path)
			}
		}
		if src, err := os.ReadFile(path); err != nil {
			return err
		} else if strings.Contains(string(src), "sqlstore.New(") && !constructors[path] {
			t.Errorf("%s makes a raw store: only the wiring does, and hands it to the guard", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
