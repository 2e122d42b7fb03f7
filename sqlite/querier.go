package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"github.com/velro-ai/velro/sqlstore"
)

// statements caches prepared statements by SQL text. The driver would
// otherwise parse every statement on every call, which costs more than
// running a primary-key lookup.
type statements struct {
	db    *sql.DB
	cache sync.Map // string -> *sql.Stmt
}

func (s *statements) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.cache.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.cache.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

func (s *statements) close() {
	s.cache.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
}

// querier adapts database/sql to sqlstore.Querier: reads go through cached
// statements on the reader pool; a transaction runs its statements directly
// (preparing through the pool would wait for the single writer connection
// the transaction holds).
type querier struct {
	stmts *statements
	tx    *sql.Tx
}

func (q querier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	var res sql.Result
	var err error
	if q.tx != nil {
		res, err = q.tx.ExecContext(ctx, query, args...)
	} else if st, perr := q.stmts.get(ctx, query); perr != nil {
		return 0, perr
	} else {
		res, err = st.ExecContext(ctx, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q querier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	var rows *sql.Rows
	var err error
	if q.tx != nil {
		rows, err = q.tx.QueryContext(ctx, query, args...)
	} else if st, perr := q.stmts.get(ctx, query); perr != nil {
		return nil, perr
	} else {
		rows, err = st.QueryContext(ctx, args...)
	}
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (q querier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	if q.tx != nil {
		return sqlRow{q.tx.QueryRowContext(ctx, query, args...)}
	}
	st, err := q.stmts.get(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return sqlRow{st.QueryRowContext(ctx, args...)}
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

type sqlRow struct{ row *sql.Row }

func (r sqlRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

// Tx returns the database/sql transaction behind q, if q is one of this
// engine's transactions (for the job queue's InsertTx).
func Tx(q sqlstore.Querier) (*sql.Tx, bool) {
	qq, ok := q.(querier)
	return qq.tx, ok && qq.tx != nil
}
