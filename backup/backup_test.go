package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/sqlite"
)

// dataDir makes a data dir with a database of n rows and two media files.
func dataDir(t *testing.T, n int) (Source, map[string][]byte) {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, DatabaseFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Pool().ExecContext(ctx, `CREATE TABLE rows (n INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := db.Pool().ExecContext(ctx, `INSERT INTO rows (n) VALUES (?)`, i); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string][]byte{
		"generations/0b/a.png": bytes.Repeat([]byte("png"), 1000),
		"uploads/u1/b.webp":    []byte("webp"),
	}
	for key, body := range files {
		p := filepath.Join(dir, MediaDir, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, body, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	return Source{Database: filepath.Join(dir, DatabaseFile), Media: filepath.Join(dir, MediaDir)}, files
}

func countRows(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM rows`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func targets(t *testing.T) map[string]func(t *testing.T) Target {
	return map[string]func(t *testing.T) Target{
		"dir": func(t *testing.T) Target {
			tg, err := OpenTarget(context.Background(), filepath.Join(t.TempDir(), "backups"), nil)
			if err != nil {
				t.Fatal(err)
			}
			return tg
		},
		"s3": func(t *testing.T) Target {
			tg, err := OpenTarget(context.Background(), testenv.FakeS3(t), func(k string) string { return testenv.S3Env[k] })
			if err != nil {
				t.Fatal(err)
			}
			return tg
		},
	}
}

func TestCreateListRestore(t *testing.T) {
	for name, target := range targets(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			src, files := dataDir(t, 500)
			tg := target(t)
			at := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
			info, err := Create(ctx, src, tg, at)
			if err != nil {
				t.Fatal(err)
			}
			if info.Name != "velro-20261207t060000z.tar.gz" || info.Size == 0 {
				t.Fatalf("info %+v", info)
			}
			list, err := List(ctx, tg)
			if err != nil || len(list) != 1 || list[0].Name != info.Name || list[0].Size != info.Size || !list[0].CreatedAt.Equal(at) || list[0].Check != nil {
				t.Fatalf("list %+v, %v", list, err)
			}
			if _, err := Create(ctx, src, tg, at); err == nil || !strings.Contains(err.Error(), "exists already") {
				t.Fatalf("a second backup in the same second: %v", err)
			}

			r, err := tg.Open(ctx, info.Name)
			if err != nil {
				t.Fatal(err)
			}
			restored := filepath.Join(t.TempDir(), "restored")
			m, err := Restore(ctx, r, restored)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Files) != 3 || !m.CreatedAt.Equal(at) {
				t.Fatalf("manifest %+v", m)
			}
			if n := countRows(t, filepath.Join(restored, DatabaseFile)); n != 500 {
				t.Fatalf("%d rows restored", n)
			}
			for key, body := range files {
				p := filepath.Join(restored, MediaDir, filepath.FromSlash(key))
				got, err := os.ReadFile(p)
				if err != nil || !bytes.Equal(got, body) {
					t.Fatalf("%s: %v", key, err)
				}
				if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
					t.Fatalf("%s restored with mode %v", key, fi.Mode())
				}
			}
			entries, _ := os.ReadDir(restored)
			if len(entries) != 2 {
				t.Fatalf("restored dir holds %v (a staging dir left behind?)", entries)
			}
		})
	}
}

func TestArchivesAreOwnerOnly(t *testing.T) {
	src, _ := dataDir(t, 1)
	dir := filepath.Join(t.TempDir(), "backups")
	tg, _ := OpenTarget(context.Background(), dir, nil)
	info, err := Create(context.Background(), src, tg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, info.Name): 0o600} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Fatalf("%s: mode %v, want %v (%v)", p, fi.Mode().Perm(), want, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("the target holds %v besides the archive (a staged snapshot left behind?)", entries)
	}
}

// archive makes one backup and returns its bytes.
func archive(t *testing.T) []byte {
	t.Helper()
	src, _ := dataDir(t, 200)
	dir := t.TempDir()
	tg, _ := OpenTarget(context.Background(), dir, nil)
	info, err := Create(context.Background(), src, tg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, info.Name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestFlippedByteRefused: a change to any part of an archive, the gzip
// header fields its trailer does not cover included, fails verification
// and leaves a restore's directory as it was.
func TestFlippedByteRefused(t *testing.T) {
	good := archive(t)
	if _, err := Verify(context.Background(), bytes.NewReader(good), t.TempDir()); err != nil {
		t.Fatalf("the intact archive: %v", err)
	}
	cases := []struct {
		name   string
		offset func(n int) int
	}{
		{"gzip modification time", func(int) int { return 5 }},
		{"gzip extra flags", func(int) int { return 8 }},
		{"gzip operating system", func(int) int { return 9 }},
		{"compressed data, start", func(int) int { return 20 }},
		{"compressed data, middle", func(n int) int { return n / 2 }},
		{"gzip CRC-32", func(n int) int { return n - 6 }},
		{"gzip length", func(n int) int { return n - 1 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bad := bytes.Clone(good)
			bad[tc.offset(len(bad))] ^= 0x40
			if _, err := Verify(context.Background(), bytes.NewReader(bad), t.TempDir()); !errors.Is(err, ErrInvalid) {
				t.Fatalf("verify: %v, want ErrInvalid", err)
			}
			dir := filepath.Join(t.TempDir(), "data")
			if _, err := Restore(context.Background(), bytes.NewReader(bad), dir); !errors.Is(err, ErrInvalid) {
				t.Fatalf("restore: %v, want ErrInvalid", err)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("the refused restore left %s behind: %v", dir, err)
			}
		})
	}
	t.Run("a byte appended", func(t *testing.T) {
		if _, err := Verify(context.Background(), bytes.NewReader(append(bytes.Clone(good), 0)), t.TempDir()); !errors.Is(err, ErrInvalid) {
			t.Fatalf("verify: %v", err)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		if _, err := Verify(context.Background(), bytes.NewReader(good[:len(good)-100]), t.TempDir()); !errors.Is(err, ErrInvalid) {
			t.Fatalf("verify: %v", err)
		}
	})
}

// forged is an archive built by hand: entries in order, each a name, a
// body and a type.
type forged struct {
	name, body string
	typ        byte
}

func forge(t *testing.T, entries []forged) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		hdr := &tar.Header{Name: e.name, Mode: 0o600, Size: int64(len(e.body)), Typeflag: typ, Linkname: "/etc/passwd"}
		if typ != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			tw.Write([]byte(e.body))
		}
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// manifestOf lists files with the given sums.
func manifestOf(files ...Entry) string {
	raw, _ := json.Marshal(Manifest{Format: manifestFormat, Files: files})
	return string(raw)
}

// TestForgedArchivesRefused: archives that are well-formed gzip and tar
// but are not what Velro writes are refused before anything is restored.
func TestForgedArchivesRefused(t *testing.T) {
	db := string(forgeDatabase(t))
	dbEntry := Entry{Path: DatabaseFile, Size: int64(len(db)), SHA256: sum(db)}
	damaged := db[:len(db)/2] // its header promises pages that are not there
	cases := []struct {
		name    string
		entries []forged
		want    string
	}{
		{"no manifest", []forged{{name: DatabaseFile, body: db}}, "no manifest"},
		{"a wrong sum", []forged{{name: DatabaseFile, body: db}, {name: ManifestFile, body: manifestOf(Entry{Path: DatabaseFile, Size: int64(len(db)), SHA256: sum("other")})}}, "does not match"},
		{"a file missing", []forged{{name: DatabaseFile, body: db}, {name: ManifestFile, body: manifestOf(dbEntry, Entry{Path: "media/a.png", Size: 1, SHA256: sum("a")})}}, "lists 2 files"},
		{"a file not in the manifest", []forged{{name: DatabaseFile, body: db}, {name: "media/a.png", body: "a"}, {name: ManifestFile, body: manifestOf(dbEntry)}}, "lists 1 files"},
		{"an entry after the manifest", []forged{{name: DatabaseFile, body: db}, {name: ManifestFile, body: manifestOf(dbEntry)}, {name: "media/a.png", body: "a"}}, "after its manifest"},
		{"a path out of the data dir", []forged{{name: "media/../../evil", body: "x"}}, "neither the database nor a media file"},
		{"an absolute path", []forged{{name: "/etc/cron.d/evil", body: "x"}}, "neither the database nor a media file"},
		{"a file beside the media", []forged{{name: "outbox/a.eml", body: "x"}}, "neither the database nor a media file"},
		{"a symbolic link", []forged{{name: "media/a.png", typ: tar.TypeSymlink}}, "not a plain file"},
		{"a file twice", []forged{{name: DatabaseFile, body: db}, {name: DatabaseFile, body: db}}, "twice"},
		{"no database", []forged{{name: "media/a.png", body: "a"}, {name: ManifestFile, body: manifestOf(Entry{Path: "media/a.png", Size: 1, SHA256: sum("a")})}}, "no database"},
		{"a damaged database", []forged{{name: DatabaseFile, body: damaged}, {name: ManifestFile, body: manifestOf(Entry{Path: DatabaseFile, Size: int64(len(damaged)), SHA256: sum(damaged)})}}, "integrity"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			_, err := Restore(context.Background(), bytes.NewReader(forge(t, tc.entries)), dir)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrInvalid saying %q", err, tc.want)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("the refused restore left %s behind", dir)
			}
		})
	}
}

// forgeDatabase returns the bytes of a small, sound database.
func forgeDatabase(t *testing.T) []byte {
	p := filepath.Join(t.TempDir(), "db")
	db, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	db.Exec(`CREATE TABLE rows (n INTEGER)`)
	db.Close()
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestRestoreRefusesNonEmptyDir(t *testing.T) {
	good := archive(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(context.Background(), bytes.NewReader(good), dir); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("restore into a non-empty dir: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("the refused restore changed the dir: %v", entries)
	}
	empty := t.TempDir()
	if _, err := Restore(context.Background(), bytes.NewReader(good), empty); err != nil {
		t.Fatalf("restore into an existing empty dir: %v", err)
	}
}

func TestNames(t *testing.T) {
	cases := []struct {
		name string
		ok   bool
		at   time.Time
	}{
		{"velro-20261207t060000z.tar.gz", true, time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)},
		{"velro-20261231t235959z.tar.gz", true, time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"velro-20261207t060000z.check.json", false, time.Time{}},
		{"velro-20261207T060000Z.tar.gz", false, time.Time{}},
		{"velro-20261307t060000z.tar.gz", false, time.Time{}},
		{".velro-20261207t060000z.tar.gz.partial", false, time.Time{}},
		{"notes.txt", false, time.Time{}},
	}
	for _, tc := range cases {
		at, ok := ParseName(tc.name)
		if ok != tc.ok || !at.Equal(tc.at) {
			t.Errorf("ParseName(%q) = %v, %v; want %v, %v", tc.name, at, ok, tc.at, tc.ok)
		}
	}
	if got := Name(time.Date(2026, 12, 7, 7, 0, 0, 0, time.FixedZone("CET", 3600))); got != "velro-20261207t060000z.tar.gz" {
		t.Errorf("Name in another zone: %s", got)
	}
}

func TestProveAndPrune(t *testing.T) {
	for name, target := range targets(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			src, _ := dataDir(t, 10)
			tg := target(t)
			base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			for day := range 4 {
				info, err := Create(ctx, src, tg, base.Add(time.Duration(day)*24*time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				checked := base.Add(time.Duration(day)*24*time.Hour + time.Minute)
				if c, err := Prove(ctx, tg, info.Name, t.TempDir(), checked); err != nil || c.Problem != "" || !c.CheckedAt.Equal(checked) {
					t.Fatalf("prove %s: %+v, %v", info.Name, c, err)
				}
			}
			// A damaged archive is recorded as failed.
			if _, err := tg.Write(ctx, "velro-20261205t000000z.tar.gz", func(w io.Writer) error { _, err := w.Write([]byte("not gzip")); return err }); err != nil {
				t.Fatal(err)
			}
			if c, err := Prove(ctx, tg, "velro-20261205t000000z.tar.gz", t.TempDir(), time.Now()); !errors.Is(err, ErrInvalid) || c.Problem == "" {
				t.Fatalf("prove a damaged archive: %+v, %v", c, err)
			}
			list, err := List(ctx, tg)
			if err != nil || len(list) != 5 {
				t.Fatalf("list: %d, %v", len(list), err)
			}
			if list[0].Check == nil || list[0].Check.Problem == "" || list[1].Check == nil || list[1].Check.Problem != "" {
				t.Fatalf("checks: %+v, %+v", list[0].Check, list[1].Check)
			}

			removed, err := Prune(ctx, tg, 2)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(removed) != "[velro-20261203t000000z.tar.gz velro-20261202t000000z.tar.gz velro-20261201t000000z.tar.gz]" {
				t.Fatalf("removed %v", removed)
			}
			objs, _ := tg.List(ctx)
			var names []string
			for _, o := range objs {
				names = append(names, o.Name)
			}
			if fmt.Sprint(names) != "[velro-20261205t000000z.tar.gz velro-20261205t000000z.check.json velro-20261204t000000z.tar.gz velro-20261204t000000z.check.json]" {
				t.Fatalf("left %v", names)
			}
		})
	}
}
