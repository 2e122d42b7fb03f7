package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
)

// submitRate is the submit scenario's arrival rate: it spends credits, so
// the bench must seed them (one account per 200 generations).
const submitRate = 50

func submitTarget(ctx context.Context, s *suite) (Target, func(context.Context, *Conn) error, error) {
	if err := s.ensureCredits(ctx, int64(submitRate*s.opts.Duration.Seconds())+1); err != nil {
		return nil, nil, err
	}
	var cursor atomic.Int64
	return func(ctx context.Context, c *Conn) Result {
		return s.submit(ctx, c, int(cursor.Add(1)))
	}, nil, nil
}

// submit makes a generation as the account at index from (or the next
// one that still has credits).
func (s *suite) submit(ctx context.Context, c *Conn, from int) Result {
	a := s.payer(from)
	if a == nil {
		return Result{Op: opSubmit, Err: errNoCredits}
	}
	err := capped(call(ctx, c.Client, http.MethodPost, s.base+"/api/v1/generations", a.token(),
		map[string]any{"model_id": benchModel, "prompt": "bench submit", "parameters": benchParams}, http.StatusCreated, nil))
	if refused, ok := err.(*errCapped); ok {
		return Result{Op: opSubmit, Fatal: refused}
	}
	return Result{Op: opSubmit, Err: err}
}

var errNoCredits = fmt.Errorf("the bench spent the credits it seeded (raise --accounts)")

// payer finds an account, from index from on, that can pay for one
// generation, and takes its price.
func (s *suite) payer(from int) *account {
	n := len(s.fix.accounts)
	for i := range n {
		if a := s.fix.accounts[(from+i)%n]; a.spend(s.fix.cost) {
			return a
		}
	}
	return nil
}

// ensureCredits registers accounts until the seeded ones can pay for n
// more generations.
func (s *suite) ensureCredits(ctx context.Context, n int64) error {
	if err := s.fix.ensureCost(ctx); err != nil {
		return err
	}
	for {
		var have int64
		for _, a := range s.fix.accounts {
			have += a.credits.Load() / s.fix.cost
		}
		if have >= n {
			return nil
		}
		if len(s.fix.accounts) == 0 {
			if err := s.fix.ensureAccounts(ctx, 1); err != nil {
				return err
			}
			continue
		}
		perAccount := max(1, s.fix.startCredits.Load()/s.fix.cost)
		if err := s.fix.ensureAccounts(ctx, len(s.fix.accounts)+int((n-have+perAccount-1)/perAccount)); err != nil {
			return err
		}
	}
}

// errCapped: the server caps each user's generations in flight, and the
// bench submits far more than that from each of its few accounts. Its
// figures would describe the refusals, so it stops and says what to change.
type errCapped struct{ cause *StatusError }

func (e *errCapped) Error() string {
	return "the server caps each user's pending and processing generations (HTTP 429 " + e.cause.Code +
		", VELRO_MAX_ACTIVE_GENERATIONS); the bench submits many generations from each of its accounts, " +
		"so start the server with VELRO_MAX_ACTIVE_GENERATIONS=0 (no cap) while benchmarking"
}

func (e *errCapped) Unwrap() error { return e.cause }

// capped turns a submit refused for the cap into errCapped.
func capped(err error) error {
	var se *StatusError
	if errors.As(err, &se) && se.Status == http.StatusTooManyRequests {
		return &errCapped{cause: se}
	}
	return err
}
