// Package sqlite is Velro's embedded storage engine: one SQLite file in WAL
// mode with a single writer connection (SQLite serialises writers anyway;
// one connection turns lock contention into a queue) and a pool of read-only
// connections for everything else. It uses the pure-Go modernc driver, so the
// binary needs no C toolchain.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"

	"github.com/pressly/goose/v3"
	"github.com/velro-ai/velro/sqlstore"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is an open SQLite database; it implements sqlstore.Engine.
type DB struct {
	path        string
	writer      *sql.DB
	reader      *sql.DB
	readerStmts *statements
	writerStmts *statements
}

var _ sqlstore.Engine = (*DB)(nil)

// Options tune how a database is opened.
type Options struct {
	// ExternalCheckpoints turns the writer's automatic checkpoints off:
	// another component (the replication) checkpoints the WAL once it has
	// copied it.
	ExternalCheckpoints bool
}

// Open opens (creating if needed) the database file at path.
func Open(ctx context.Context, path string) (*DB, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, path string, opt Options) (*DB, error) {
	// The database holds password hashes and signing keys: a new file is
	// its owner's alone (SQLite gives the -wal and -shm files the same
	// mode). An existing file keeps the mode its operator gave it.
	if f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	var pragmas []string
	if opt.ExternalCheckpoints {
		pragmas = append(pragmas, "wal_autocheckpoint(0)")
	}
	writer, err := sql.Open("sqlite", dsn(path, false, pragmas...))
	if err != nil {
		return nil, err
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)

	reader, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		writer.Close()
		return nil, err
	}
	readers := max(4, runtime.GOMAXPROCS(0)*2)
	reader.SetMaxOpenConns(readers)
	reader.SetMaxIdleConns(readers)
	reader.SetConnMaxIdleTime(0)

	db := &DB{path: path, writer: writer, reader: reader, readerStmts: &statements{db: reader}, writerStmts: &statements{db: writer}}
	// The writer creates the file and switches it to WAL before any reader
	// opens it.
	if err := db.writer.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// dsn builds the connection string. Timestamps are stored as text in
// SQLite's own format, which sorts in time order for UTC values.
func dsn(path string, readOnly bool, pragmas ...string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
	}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	q.Set("_time_format", "sqlite")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Migrate applies the embedded migrations and names those it applied.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	return sqlstore.Migrate(ctx, goose.DialectSQLite3, db.writer, sub)
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Pool is the single-connection pool that every write goes through; the job
// queue shares it.
func (db *DB) Pool() *sql.DB { return db.writer }

// Name implements sqlstore.Engine.
func (db *DB) Name() string { return "sqlite" }

// Reader implements sqlstore.Engine.
func (db *DB) Reader() sqlstore.Querier { return querier{stmts: db.readerStmts} }

// Writer implements sqlstore.Engine: cached statements on the single
// writer connection (preparing waits for it, so never use this inside a
// transaction, which holds it).
func (db *DB) Writer() sqlstore.Querier { return querier{stmts: db.writerStmts} }

// InTx implements sqlstore.Engine.
func (db *DB) InTx(ctx context.Context, fn func(tx sqlstore.Querier) error) error {
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(querier{tx: tx}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Lock implements sqlstore.Engine. There is nothing to take: write
// transactions begin IMMEDIATE on the single writer connection, so they
// already run one at a time.
func (db *DB) Lock(context.Context, sqlstore.Querier, sqlstore.Lock) error { return nil }

// Ping implements sqlstore.Engine.
func (db *DB) Ping(ctx context.Context) error {
	return db.reader.QueryRowContext(ctx, `SELECT 1`).Scan(new(int))
}

// IsUniqueViolation implements sqlstore.Engine.
func (db *DB) IsUniqueViolation(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// IsForeignKeyViolation implements sqlstore.Engine.
func (db *DB) IsForeignKeyViolation(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// IsUnavailable implements sqlstore.Engine: a lock held past busy_timeout.
func (db *DB) IsUnavailable(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && (e.Code()&0xff == sqlite3.SQLITE_BUSY || e.Code()&0xff == sqlite3.SQLITE_LOCKED)
}

// Close implements sqlstore.Engine.
func (db *DB) Close() error {
	db.readerStmts.close()
	db.writerStmts.close()
	return errors.Join(db.reader.Close(), db.writer.Close())
}
