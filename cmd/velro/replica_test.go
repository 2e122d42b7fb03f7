package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/velro-ai/velro/internal/testenv"
)

// replicas are the replica targets: a directory always, and the
// in-process S3 server.
func replicas() []struct {
	name string
	url  func(t *testing.T) (string, env)
} {
	return []struct {
		name string
		url  func(t *testing.T) (string, env)
	}{
		{"file", func(t *testing.T) (string, env) { return "file://" + filepath.Join(t.TempDir(), "replica"), env{} }},
		{"s3", func(t *testing.T) (string, env) {
			// Litestream's S3 client reads the process's environment, where
			// this machine may set a CA bundle it cannot load.
			t.Setenv("AWS_CA_BUNDLE", "")
			e := env{"AWS_CA_BUNDLE": ""}
			for k, v := range testenv.S3Env {
				e[k] = v
			}
			return strings.Replace(testenv.FakeS3(t), "/media?", "/replica?", 1), e
		}},
	}
}

// TestReplicaSurvivesKill: a server replicating to a file or S3 replica
// is killed (SIGKILL) while four writers create projects. The database
// restored from the replica holds every project acknowledged more than a
// second before the kill, and passes its integrity check; a restore to a
// time between two known writes holds the first and not the second.
func TestReplicaSurvivesKill(t *testing.T) {
	for _, r := range replicas() {
		t.Run(r.name, func(t *testing.T) {
			u, e := r.url(t)
			p := startProcess(t, merge(e, env{"VELRO_DATA_DIR": t.TempDir(), "VELRO_REPLICA_URL": u, "VELRO_REGISTER_LIMIT": "0"}))
			c := (&testServer{URL: p.URL}).client(t)
			ada := c.with(register(t, c, "ada@example.com").Access)

			ada.do("POST", "/api/v1/projects", map[string]any{"name": "first"}).want(t, 201)
			time.Sleep(1500 * time.Millisecond)
			between := time.Now().UTC()
			time.Sleep(1500 * time.Millisecond)
			ada.do("POST", "/api/v1/projects", map[string]any{"name": "second"}).want(t, 201)

			w := &projectWriter{acked: map[string]time.Time{}}
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for i := range 4 {
				writer := register(t, c, fmt.Sprintf("writer%d@example.com", i))
				wg.Go(func() { w.run(stop, p.URL, writer.Access, fmt.Sprintf("w%d", i)) })
			}
			started := time.Now()
			waitFor(t, "the writers to get going", 30*time.Second, func() bool { return w.count() >= 100 && time.Since(started) > 2*time.Second })
			killedAt := time.Now()
			p.crash(t)
			close(stop)
			wg.Wait()

			latest := filepath.Join(t.TempDir(), "latest")
			if _, errOut, err := velroBackup(t, e, "restore", "--data-dir", latest, "--from-replica", u); err != nil {
				t.Fatalf("restore from the replica: %v\n%s", err, errOut)
			}
			names := projectNames(t, latest)
			old, lastSecond := w.ackedBefore(killedAt.Add(-time.Second), killedAt)
			missing := 0
			for name := range w.acked {
				if !names[name] {
					missing++
				}
			}
			t.Logf("%d projects acknowledged; %d more than 1 s before the kill, %d in the last second; %d of all are not in the replica",
				w.count(), len(old), lastSecond, missing)
			for _, name := range append(old, "first", "second") {
				if !names[name] {
					t.Fatalf("project %s, acknowledged more than a second before the kill, is not in the replica", name)
				}
			}

			past := filepath.Join(t.TempDir(), "past")
			if _, errOut, err := velroBackup(t, e, "restore", "--data-dir", past, "--from-replica", u, "--at", between.Format(time.RFC3339Nano)); err != nil {
				t.Fatalf("restore to %s: %v\n%s", between, err, errOut)
			}
			if names := projectNames(t, past); !names["first"] || names["second"] {
				t.Fatalf("restored to a time between two writes: first %v, second %v", names["first"], names["second"])
			}
		})
	}
}
