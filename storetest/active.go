package storetest

import (
	"context"
	"sync"
	"testing"

	"github.com/velro-ai/velro"
)

// activeLimiter is a store that caps each user's generations in flight.
type activeLimiter interface {
	LimitActiveGenerations(n int)
}

// testActiveCap: concurrent submits of one user never pass the cap of
// generations in flight together; the refused are not charged, and a
// generation that ends makes room for another.
func testActiveCap(t *testing.T, open Opener) {
	s := open(t, 0)
	limiter, ok := s.(activeLimiter)
	if !ok {
		t.Fatalf("%T cannot cap active generations", s)
	}
	const limit, n, cost = 3, 12, 10
	limiter.LimitActiveGenerations(limit)
	u := NewUser(t, s, "busy@example.com")
	var wg sync.WaitGroup
	var mu sync.Mutex
	var accepted []*velro.Generation
	refused := 0
	for range n {
		wg.Go(func() {
			g := pending(u.ID, nil, cost)
			_, _, err := s.SubmitGeneration(context.Background(), g, "", velro.NoRule)
			mu.Lock()
			defer mu.Unlock()
			switch velro.ErrorCode(err) {
			case "":
				accepted = append(accepted, g)
			case velro.ERATELIMIT:
				refused++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(accepted) != limit || refused != n-limit || balance(t, s, u.ID) != velro.WelcomeCredits-limit*cost {
		t.Fatalf("%d accepted, %d refused, balance %d; want %d accepted", len(accepted), refused, balance(t, s, u.ID), limit)
	}
	// Another user is not held back by this one.
	other := NewUser(t, s, "idle@example.com")
	_, _, err := s.SubmitGeneration(ctx(t), pending(other.ID, nil, cost), "", velro.NoRule)
	must(t, err)

	_, _, err = s.CancelGeneration(ctx(t), accepted[0].ID, velro.NoRule)
	must(t, err)
	_, _, err = s.SubmitGeneration(ctx(t), pending(u.ID, nil, cost), "", velro.NoRule)
	must(t, err)
	_, _, err = s.SubmitGeneration(ctx(t), pending(u.ID, nil, cost), "", velro.NoRule)
	wantCode(t, err, velro.ERATELIMIT)
}
