// Package sqlstore implements Velro's stores once, in the SQL that both
// SQLite and PostgreSQL speak ($n placeholders, RETURNING, ON CONFLICT).
// The sqlite and postgres packages supply an Engine: connections,
// transactions, migrations and the few error codes that differ.
package sqlstore

import (
	"context"
	"errors"
)

// Querier runs statements: a pool outside a transaction, or a transaction.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (rowsAffected int64, err error)
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) Row
}

// Row is a single result row; Scan returns ErrNoRows when there is none.
type Row interface {
	Scan(dest ...any) error
}

// Rows is a result set; Close releases it and may be called more than once.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// ErrNoRows is what an Engine's Row.Scan returns when the query matched
// nothing.
var ErrNoRows = errors.New("sqlstore: no rows in result set")

// Engine is one storage engine.
type Engine interface {
	// Name is "sqlite" or "postgres".
	Name() string
	// Reader runs reads outside any transaction. On SQLite it is the
	// read-only pool; writes must go through InTx.
	Reader() Querier
	// Writer runs single write statements outside a transaction: one
	// round trip instead of three (BEGIN, statement, COMMIT).
	Writer() Querier
	// InTx runs fn in a write transaction, committing if fn returns nil.
	InTx(ctx context.Context, fn func(tx Querier) error) error
	// Lock takes an access lock (see lock.go) in tx until it ends.
	Lock(ctx context.Context, tx Querier, l Lock) error
	// IsUniqueViolation reports whether err is a unique-constraint failure.
	IsUniqueViolation(err error) bool
	// IsForeignKeyViolation reports whether err is a foreign-key failure.
	IsForeignKeyViolation(err error) bool
	// IsUnavailable reports whether err means the database cannot answer
	// now (connection refused, busy), as opposed to a bad statement.
	IsUnavailable(err error) bool
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	Close() error
}
