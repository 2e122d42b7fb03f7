package main

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/sqlite"
)

// velroBackup runs `velro backup ...` with e and returns what it printed.
func velroBackup(t *testing.T, e env, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(t.Context(), append([]string{"velro", "backup"}, args...), e.getenv, &out, &errOut)
	return out.String(), errOut.String(), err
}

// archiveIn returns the one archive velro backup create wrote to dir.
func archiveIn(t *testing.T, dir string) string {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(dir, "velro-*.tar.gz"))
	if len(matches) != 1 {
		t.Fatalf("%s holds archives %v, want one", dir, matches)
	}
	return matches[0]
}

// projectWriter creates projects as fast as the server takes them and
// notes when each was acknowledged.
type projectWriter struct {
	mu    sync.Mutex
	acked map[string]time.Time
}

func (w *projectWriter) run(stop <-chan struct{}, base, token, prefix string) {
	client := &http.Client{Timeout: 10 * time.Second}
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		name := fmt.Sprintf("%s-%d", prefix, n)
		req, _ := http.NewRequest("POST", base+"/api/v1/projects", strings.NewReader(`{"name":"`+name+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 201 {
			w.mu.Lock()
			w.acked[name] = time.Now()
			w.mu.Unlock()
		}
	}
}

// ackedBefore names the projects acknowledged before t, and counts those
// acknowledged from t to until.
func (w *projectWriter) ackedBefore(t, until time.Time) (before []string, between int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for name, at := range w.acked {
		if at.Before(t) {
			before = append(before, name)
		} else if at.Before(until) {
			between++
		}
	}
	return before, between
}

func (w *projectWriter) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acked)
}

// projectNames reads every project's name from a data dir's database.
func projectNames(t *testing.T, dataDir string) map[string]bool {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "velro.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM projects`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	names := map[string]bool{}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names[n] = true
	}
	return names
}

// TestBackupUnderLoad: four writers create projects while velro backup
// create runs beside the server. The restored data dir holds every
// project acknowledged before the backup began, passes PRAGMA
// integrity_check, and serves as the original did: a signed media URL made
// before the backup serves the image, and a refresh token issued before
// it refreshes.
func TestBackupUnderLoad(t *testing.T) {
	s := startServer(t, env{})
	c := s.client(t)
	ada := register(t, c, "ada@example.com")
	_, signed := generateImage(t, c.with(ada.Access))

	w := &projectWriter{acked: map[string]time.Time{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 4 {
		writer := register(t, c, fmt.Sprintf("writer%d@example.com", i))
		wg.Go(func() { w.run(stop, s.URL, writer.Access, fmt.Sprintf("w%d", i)) })
	}
	defer func() { close(stop); wg.Wait() }()
	waitFor(t, "the writers to get going", 30*time.Second, func() bool { return w.count() >= 40 })

	backups := t.TempDir()
	began := time.Now()
	out, errOut, err := velroBackup(t, env{}, "create", "--data-dir", s.DataDir, "--to", backups)
	ended := time.Now()
	if err != nil {
		t.Fatalf("backup create: %v\n%s", err, errOut)
	}
	during := w.count()
	waitFor(t, "writes after the backup", 30*time.Second, func() bool { return w.count() >= during+40 })
	before, duringBackup := w.ackedBefore(began, ended)
	t.Logf("%s; %d projects acknowledged before the backup began, %d while it ran (%v), %d in all",
		strings.TrimSpace(out), len(before), duringBackup, ended.Sub(began), w.count())

	restored := filepath.Join(t.TempDir(), "restored")
	if _, errOut, err := velroBackup(t, env{}, "restore", "--data-dir", restored, archiveIn(t, backups)); err != nil {
		t.Fatalf("restore: %v\n%s", err, errOut)
	}
	if err := sqlite.IntegrityCheck(t.Context(), filepath.Join(restored, "velro.db")); err != nil {
		t.Fatal(err)
	}
	names := projectNames(t, restored)
	for _, name := range before {
		if !names[name] {
			t.Fatalf("project %s, acknowledged before the backup began, is not in it (%d of %d there)", name, len(names), len(before))
		}
	}

	r := startServer(t, env{"VELRO_DATA_DIR": restored})
	u, _ := url.Parse(signed)
	if status, body := fetch(t, r.URL+u.RequestURI(), ""); status != 200 || !bytes.HasPrefix(body, []byte("\x89PNG")) {
		t.Fatalf("the signed URL made before the backup: %d from the restored server", status)
	}
	r.client(t).do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": ada.Refresh}).want(t, 200)
}

// dirSums maps every file under dir to its SHA-256.
func dirSums(t *testing.T, dir string) map[string]string {
	t.Helper()
	sums := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		h := sha256.Sum256(raw)
		sums[p] = hex.EncodeToString(h[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

// stoppedDataDir is the data dir of a server that made an image and
// stopped.
func stoppedDataDir(t *testing.T) string {
	s := startServer(t, env{})
	c := s.client(t)
	generateImage(t, c.with(register(t, c, "ada@example.com").Access))
	s.Stop(t)
	return s.DataDir
}

// tinyDisk mounts a 4 KiB file system, or skips the test where mounting
// is not allowed.
func tinyDisk(t *testing.T) string {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4k", "velro-test", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small file system to fill (%v: %s); run as root to test a full backup target", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	return dir
}

// TestBackupTargetFails: a backup target that is full, unwritable or
// refusing fails the backup with a message that says where and why, and
// the data dir is left exactly as it was.
func TestBackupTargetFails(t *testing.T) {
	data := stoppedDataDir(t)
	notADir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notADir, []byte("x"), 0o600)
	cases := []struct {
		name string
		to   func(t *testing.T) (string, env)
		want string
	}{
		{"full", func(t *testing.T) (string, env) { return tinyDisk(t), env{} }, "full"},
		{"unwritable", func(t *testing.T) (string, env) { return filepath.Join(notADir, "backups"), env{} }, "not a directory"},
		{"S3 out of space", func(t *testing.T) (string, env) {
			u := testenv.FakeS3(t, func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method == "PUT" || r.Method == "POST" {
						w.WriteHeader(http.StatusInsufficientStorage)
						return
					}
					h.ServeHTTP(w, r)
				})
			})
			return u, env{"AWS_ACCESS_KEY_ID": testenv.S3Env["AWS_ACCESS_KEY_ID"], "AWS_SECRET_ACCESS_KEY": testenv.S3Env["AWS_SECRET_ACCESS_KEY"]}
		}, "507"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			to, e := tc.to(t)
			before := dirSums(t, data)
			_, _, err := velroBackup(t, e, "create", "--data-dir", data, "--to", to)
			if err == nil || !strings.Contains(err.Error(), "backup failed, and the data dir was left as it was") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a failure saying %q", err, tc.want)
			}
			t.Logf("%v", err)
			after := dirSums(t, data)
			if fmt.Sprint(before) != fmt.Sprint(after) {
				t.Fatalf("the data dir changed:\nbefore %v\nafter  %v", before, after)
			}
			if !strings.HasPrefix(to, "s3://") {
				if entries, _ := os.ReadDir(to); len(entries) > 0 {
					t.Fatalf("the failed backup left %v in the target", entries)
				}
			}
		})
	}
}

// TestBackupRestoreRefusals: a damaged archive is refused by verify and by
// restore (which then writes nothing); a restore into a directory that
// holds anything is refused; on PostgreSQL velro backup says what to use.
func TestBackupRestoreRefusals(t *testing.T) {
	data := stoppedDataDir(t)
	backups := t.TempDir()
	if _, errOut, err := velroBackup(t, env{}, "create", "--data-dir", data, "--to", backups); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	good := archiveIn(t, backups)
	out, _, err := velroBackup(t, env{}, "verify", good)
	if err != nil || !strings.Contains(out, "is intact: the database and 1 media files match their sums") {
		t.Fatalf("verify the intact archive: %v, %q", err, out)
	}

	t.Run("flipped byte", func(t *testing.T) {
		raw, _ := os.ReadFile(good)
		raw[len(raw)/2] ^= 1
		bad := filepath.Join(t.TempDir(), filepath.Base(good))
		os.WriteFile(bad, raw, 0o600)
		if _, _, err := velroBackup(t, env{}, "verify", bad); err == nil || !strings.Contains(err.Error(), "is not an intact Velro backup") {
			t.Fatalf("verify: %v", err)
		}
		dir := filepath.Join(t.TempDir(), "restored")
		if _, _, err := velroBackup(t, env{}, "restore", "--data-dir", dir, bad); err == nil || !strings.Contains(err.Error(), "nothing was restored") {
			t.Fatalf("restore: %v", err)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Fatal("the refused restore created the data dir")
		}
	})
	t.Run("non-empty data dir", func(t *testing.T) {
		before := dirSums(t, data)
		if _, _, err := velroBackup(t, env{}, "restore", "--data-dir", data, good); err == nil || !strings.Contains(err.Error(), "is not empty") {
			t.Fatalf("restore over a data dir: %v", err)
		}
		if fmt.Sprint(before) != fmt.Sprint(dirSums(t, data)) {
			t.Fatal("the refused restore changed the data dir")
		}
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		// Refused before any connection: nothing listens on this port.
		_, _, err := velroBackup(t, env{"DATABASE_URL": "postgres://velro@127.0.0.1:1/velro"}, "create")
		if err == nil || !strings.Contains(err.Error(), "pg_dump") || !strings.Contains(err.Error(), "WAL archiving") || !strings.Contains(err.Error(), "bucket versioning") {
			t.Fatalf("backup create on PostgreSQL: %v", err)
		}
	})
	t.Run("end sessions", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "restored")
		out, errOut, err := velroBackup(t, env{}, "restore", "--data-dir", dir, "--end-sessions", good)
		if err != nil || !strings.Contains(out, "ended 1 sessions") || strings.Contains(errOut, "warning") {
			t.Fatalf("restore --end-sessions: %v, %q, %q", err, out, errOut)
		}
		_, errOut, err = velroBackup(t, env{}, "restore", "--data-dir", filepath.Join(t.TempDir(), "again"), good)
		if err != nil || !strings.Contains(errOut, "revoked after") || !strings.Contains(errOut, "--end-sessions") {
			t.Fatalf("restore without --end-sessions warns: %v, %q", err, errOut)
		}
	})
}
