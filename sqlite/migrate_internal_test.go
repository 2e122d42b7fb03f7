package sqlite

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/pressly/goose/v3"
	"github.com/velro-ai/velro/sqlstore"
)

// TestMigrationsOutOfOrder: a database migrated before migrations with
// lower numbers existed takes them when they arrive.
func TestMigrationsOutOfOrder(t *testing.T) {
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "velro.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(all, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	// The first and the last migrations, without those in between.
	early := fstest.MapFS{}
	for i, name := range names {
		if i == 0 || i == len(names)-1 || strings.HasPrefix(name, "00001") {
			data, err := fs.ReadFile(all, name)
			if err != nil {
				t.Fatal(err)
			}
			early[name] = &fstest.MapFile{Data: data}
		}
	}
	if len(names) < 3 || len(early) == len(names) {
		t.Fatalf("%d migrations: nothing in between to apply late", len(names))
	}
	if _, err := sqlstore.Migrate(t.Context(), goose.DialectSQLite3, db.writer, early); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatalf("the migrations in between: %v", err)
	}
	var n int
	if err := db.writer.QueryRowContext(t.Context(), `SELECT count(*) FROM goose_db_version WHERE version_id > 0 AND is_applied`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(names) {
		t.Fatalf("%d migrations applied of %d", n, len(names))
	}
}
