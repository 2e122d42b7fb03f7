package main

import (
	"encoding/json"
	"io"
	"os"
	"testing"
)

// TestDeployEnvironments: the environment each deployment gives Velro
// (deploy/environments.json, which the deploy module's checks keep in step
// with the Dockerfile, compose.yaml and k8s/) names only settings Velro
// reads, and Velro's configuration parser accepts it.
func TestDeployEnvironments(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/environments.json")
	if err != nil {
		t.Fatal(err)
	}
	var envs map[string]env
	if err := json.Unmarshal(raw, &envs); err != nil {
		t.Fatal(err)
	}
	if len(envs) < 3 {
		t.Fatalf("%d environments, want compose, kubernetes and its migration job", len(envs))
	}
	known := map[string]bool{}
	for _, s := range settings {
		known[s.Env] = true
		for _, a := range s.Aliases {
			known[a] = true
		}
	}
	for name, e := range envs {
		for v := range e {
			if !known[v] {
				t.Errorf("%s sets %s, which the configuration does not read (cmd/velro/settings.go)", name, v)
			}
		}
		e["VELRO_DATA_DIR"] = t.TempDir() // the images' /data is not writable here
		if _, err := parseConfig("velro serve", nil, e.getenv, io.Discard); err != nil {
			t.Errorf("%s: the configuration is refused: %v", name, err)
		}
	}
}
