package velro_test

import (
	"os"
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
