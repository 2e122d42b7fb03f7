package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/velro-ai/velro/sqlite"
)

// TestExternalCheckpoints: by default the writer checkpoints the WAL by
// itself (SQLite's automatic checkpoint at 1000 pages); with
// ExternalCheckpoints (replication on) it leaves the WAL to grow for the
// replication's own checkpoints.
func TestExternalCheckpoints(t *testing.T) {
	const autoPages = 1000 // SQLite's default wal_autocheckpoint
	cases := []struct {
		name        string
		opt         sqlite.Options
		checkpoints bool
	}{
		{"default", sqlite.Options{}, true},
		{"external", sqlite.Options{ExternalCheckpoints: true}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "velro.db")
			db, err := sqlite.OpenWith(ctx, path, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Pool().ExecContext(ctx, `CREATE TABLE blobs (b BLOB)`); err != nil {
				t.Fatal(err)
			}
			var pageSize int64
			db.Pool().QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize)
			for range 3 * autoPages / 2 { // one page of data and more per commit
				if _, err := db.Pool().ExecContext(ctx, `INSERT INTO blobs VALUES (randomblob(?))`, pageSize); err != nil {
					t.Fatal(err)
				}
			}
			info, err := os.Stat(path + "-wal")
			if err != nil {
				t.Fatal(err)
			}
			frames := info.Size() / pageSize
			t.Logf("WAL: %d frames", frames)
			if checkpointed := frames < autoPages+50; checkpointed != tc.checkpoints {
				t.Fatalf("WAL of %d frames: checkpointed %v, want %v", frames, checkpointed, tc.checkpoints)
			}
		})
	}
}

// TestSnapshotAndIntegrityCheck: a snapshot is a sound database holding
// what was committed; a damaged file fails the check.
func TestSnapshotAndIntegrityCheck(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "velro.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Pool().ExecContext(ctx, `CREATE TABLE rows (n INTEGER)`)
	db.Pool().ExecContext(ctx, `INSERT INTO rows VALUES (1), (2), (3)`)
	snap := filepath.Join(dir, "snap.db")
	if err := sqlite.Snapshot(ctx, filepath.Join(dir, "velro.db"), snap); err != nil {
		t.Fatal(err)
	}
	if err := sqlite.IntegrityCheck(ctx, snap); err != nil {
		t.Fatal(err)
	}
	check, _ := sql.Open("sqlite", "file:"+snap+"?mode=ro")
	var n int
	check.QueryRow(`SELECT count(*) FROM rows`).Scan(&n)
	check.Close()
	if n != 3 {
		t.Fatalf("%d rows in the snapshot", n)
	}
	if err := sqlite.Snapshot(ctx, filepath.Join(dir, "missing.db"), filepath.Join(dir, "x.db")); err == nil {
		t.Fatal("a snapshot of a missing file")
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the snapshot of a missing file created it")
	}

	raw, _ := os.ReadFile(snap)
	for i := 4096; i < len(raw); i += 97 { // every page past the first
		raw[i] ^= 0xff
	}
	os.WriteFile(snap, raw, 0o600)
	if err := sqlite.IntegrityCheck(ctx, snap); !errors.Is(err, sqlite.ErrCorrupt) || !strings.Contains(err.Error(), "integrity") {
		t.Fatalf("a damaged file: %v", err)
	}
}
