package replica

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/sqlite"
)

// targets are a directory always and the in-process S3 server.
func targets(t *testing.T) map[string]func(t *testing.T) *Target {
	return map[string]func(t *testing.T) *Target{
		"file": func(t *testing.T) *Target {
			tg, err := ParseURL("file://"+filepath.Join(t.TempDir(), "replica"), nil)
			if err != nil {
				t.Fatal(err)
			}
			return tg
		},
		"s3": func(t *testing.T) *Target {
			t.Setenv("AWS_CA_BUNDLE", "")
			tg, err := ParseURL(testenv.FakeS3(t), func(k string) string { return testenv.S3Env[k] })
			if err != nil {
				t.Fatal(err)
			}
			return tg
		},
	}
}

func TestReplicateAndRestore(t *testing.T) {
	for name, target := range targets(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			tg := target(t)
			path := filepath.Join(t.TempDir(), "velro.db")
			db, err := sqlite.OpenWith(ctx, path, sqlite.Options{ExternalCheckpoints: true})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Pool().ExecContext(ctx, `CREATE TABLE rows (n INTEGER PRIMARY KEY, at TEXT)`); err != nil {
				t.Fatal(err)
			}
			rep, err := Start(ctx, path, tg, slog.Default())
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3000 {
				if _, err := db.Pool().ExecContext(ctx, `INSERT INTO rows (n, at) VALUES (?, ?)`, i, time.Now().Format(time.RFC3339Nano)); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(1500 * time.Millisecond)
			out := filepath.Join(t.TempDir(), "restored.db")
			if err := Restore(ctx, tg, out, time.Time{}); err != nil {
				t.Fatal(err)
			}
			check, _ := sql.Open("sqlite", out)
			var n int
			if err := check.QueryRow(`SELECT count(*) FROM rows`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			check.Close()
			t.Logf("restored %d rows", n)
			db.Close()
			if err := rep.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if n != 3000 {
				t.Fatalf("%d rows", n)
			}
		})
	}
}
