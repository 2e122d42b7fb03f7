package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Snapshot writes a consistent copy of the database file at path to out,
// which must not exist, while servers keep reading and writing it: VACUUM
// INTO reads the database in one read transaction, which in WAL mode holds
// up no writer, and never checkpoints. It opens a connection of its own
// and writes nothing to the database.
func Snapshot(ctx context.Context, path, out string) error {
	conn, err := openPlain(path, "")
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, out); err != nil {
		return fmt.Errorf("snapshot of %s: %w", path, err)
	}
	return nil
}

// ErrCorrupt is a database that fails PRAGMA integrity_check.
var ErrCorrupt = errors.New("sqlite: database fails its integrity check")

// IntegrityCheck runs PRAGMA integrity_check on the database file at path
// without writing to it.
func IntegrityCheck(ctx context.Context, path string) error {
	conn, err := openPlain(path, "query_only(1)")
	if err != nil {
		return err
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s: %s", ErrCorrupt, path, strings.Join(problems[:min(5, len(problems))], "; "))
	}
	return nil
}

// openPlain opens one connection to an existing file, without changing
// its journal mode.
func openPlain(path, pragma string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	if pragma != "" {
		q.Add("_pragma", pragma)
	}
	q.Set("mode", "rw") // never create a file that is not there
	conn, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	conn.SetMaxOpenConns(1)
	return conn, nil
}
