package sqlite_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/velro-ai/velro/sqlite"
)

// TestNewDatabaseIsOwnerOnly: a new database file (password hashes,
// signing keys) and its WAL are readable by their owner alone; a file the
// operator made keeps its mode.
func TestNewDatabaseIsOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "velro.db")
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"velro.db", "velro.db-wal"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if mode := info.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %v, want -rw-------", name, mode)
		}
	}

	mine := filepath.Join(dir, "mine.db")
	if err := os.WriteFile(mine, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	other, err := sqlite.Open(t.Context(), mine)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if info, err := os.Stat(mine); err != nil || info.Mode().Perm() != 0o640 {
		t.Errorf("an existing file's mode changed: %v %v", info.Mode(), err)
	}
}
