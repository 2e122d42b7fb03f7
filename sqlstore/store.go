package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/velro-ai/velro"
)

// DefaultTimeout bounds every database call that has no other deadline.
const DefaultTimeout = 2 * time.Second

// Store implements velro.Store on an Engine.
type Store struct {
	engine   Engine
	timeout  time.Duration
	jobs     JobInserter
	observer velro.Observer
	// maxActive caps each user's generations in flight (0: no cap).
	maxActive int
}

var _ velro.Store = (*Store)(nil)

// New returns a Store whose every call is bounded by timeout (DefaultTimeout
// when zero).
func New(engine Engine, timeout time.Duration) *Store {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Store{engine: engine, timeout: timeout}
}

// Ping checks that the database answers within the store's deadline.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return s.mapError(ctx, s.engine.Ping(ctx))
}

// UseObserver times every database call (velro.OpDBQuery) from now on.
func (s *Store) UseObserver(o velro.Observer) { s.observer = o }

// observe records a database call that began at start.
func (s *Store) observe(start time.Time) {
	if s.observer != nil {
		s.observer.Observe(velro.OpDBQuery, time.Since(start))
	}
}

// read runs fn on the reader under the store's deadline.
func (s *Store) read(ctx context.Context, fn func(ctx context.Context, q Querier) error) error {
	defer s.observe(time.Now())
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return s.mapError(ctx, fn(ctx, s.engine.Reader()))
}

// write runs fn in one write transaction under the store's deadline. fn
// sets the write's effects before it returns nil: a failure after that is
// the commit's, which may have taken effect (velro.ErrMaybeCommitted), and
// the effects set are then applied anyway. Any other failure rolled back.
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, tx Querier) error) error {
	defer s.observe(time.Now())
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	committing := false
	err := s.mapError(ctx, s.engine.InTx(ctx, func(tx Querier) error {
		err := fn(ctx, tx)
		committing = err == nil
		return err
	}))
	if committing {
		return velro.MaybeCommitted(err)
	}
	return err
}

// exec runs one write statement on its own, under the store's deadline.
// The statement commits by itself: unless the database refused it, a
// failure may have committed.
func (s *Store) exec(ctx context.Context, query string, args ...any) (int64, error) {
	defer s.observe(time.Now())
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	n, err := s.engine.Writer().Exec(ctx, query, args...)
	err = s.mapError(ctx, err)
	if code := velro.ErrorCode(err); code == velro.EUNAVAILABLE || code == velro.EINTERNAL {
		err = velro.MaybeCommitted(err)
	}
	return n, err
}

// mapError turns a timed-out or unreachable database into EUNAVAILABLE, so
// clients see 503 instead of a hang or a 500. Application errors pass.
func (s *Store) mapError(ctx context.Context, err error) error {
	var appErr *velro.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &appErr):
		return err
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || s.engine.IsUnavailable(err):
		return &velro.Error{Code: velro.EUNAVAILABLE, Message: "The database is not answering; try again shortly."}
	case s.engine.IsForeignKeyViolation(err):
		// A write lost a race with a deletion (an account deleted while
		// its request was in flight): a conflict, not a bug.
		return &velro.Error{Code: velro.ECONFLICT, Message: "Something this request refers to was deleted meanwhile."}
	}
	return fmt.Errorf("sqlstore %s: %w", s.engine.Name(), err)
}

// notFound maps ErrNoRows to an ENOTFOUND error about what.
func notFound(err error, what string) error {
	if errors.Is(err, ErrNoRows) {
		return velro.Errorf(velro.ENOTFOUND, "%s not found.", what)
	}
	return err
}
