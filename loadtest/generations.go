package loadtest

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// generationsPerOwner is how many generations one seeded account makes:
// half of a new account's credits, leaving the rest to submit scenarios.
const generationsPerOwner = 100

// ensureGenerations makes n generations in public projects (so every
// seeded account may view each), one project per owning account, and
// waits until the server has rendered them all, so rendering does not
// share the CPU with the measurement.
func (f *fixture) ensureGenerations(ctx context.Context, n int) error {
	if len(f.generations) >= n {
		return nil
	}
	if err := f.ensureCost(ctx); err != nil {
		return err
	}
	owners := (n + generationsPerOwner - 1) / generationsPerOwner
	if err := f.ensureAccounts(ctx, owners); err != nil {
		return err
	}
	begin := time.Now()
	var done atomic.Int64
	stop := f.out.start(func(now time.Time) string {
		return fmt.Sprintf("seeding generations: %s of %s submitted, %.0fs", thousands(done.Load()), thousands(int64(n-len(f.generations))),
			now.Sub(begin).Seconds())
	})
	defer stop()
	// Projects first, one per owner that has none yet.
	for len(f.projects) < owners {
		a := f.accounts[len(f.projects)]
		var p struct {
			ID string `json:"id"`
		}
		if err := f.seedCall(ctx, http.MethodPost, "/api/v1/projects", a.token(),
			map[string]any{"name": "bench " + f.prefix, "visibility": "public"}, http.StatusCreated, &p); err != nil {
			return fmt.Errorf("seeding a project: %w", err)
		}
		f.projects = append(f.projects, p.ID)
	}
	ids := make([]string, n-len(f.generations))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i := range ids {
		k := len(f.generations) + i
		owner := f.accounts[k/generationsPerOwner]
		project := f.projects[k/generationsPerOwner]
		g.Go(func() error {
			if !owner.spend(f.cost) {
				return fmt.Errorf("seeding generations: account %s has too few credits", owner.Email)
			}
			var gen struct {
				ID string `json:"id"`
			}
			err := f.seedCall(gctx, http.MethodPost, "/api/v1/generations", owner.token(),
				map[string]any{"model_id": benchModel, "prompt": fmt.Sprintf("bench %d", k), "parameters": benchParams, "project_id": project},
				http.StatusCreated, &gen)
			if err != nil {
				return fmt.Errorf("seeding generations: %w", capped(err))
			}
			ids[i] = gen.ID
			done.Add(1)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	f.generations = append(f.generations, ids...)
	if err := f.awaitRendered(ctx, owners); err != nil {
		return err
	}
	f.seeded.Generations = len(f.generations)
	f.seeded.GenerationsSeconds += time.Since(begin).Seconds()
	return nil
}

// awaitRendered waits until the first owners accounts have no generation
// in flight.
func (f *fixture) awaitRendered(ctx context.Context, owners int) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	for _, a := range f.accounts[:owners] {
		for {
			var stats struct {
				Processing int `json:"processing_generations"`
				Failed     int `json:"failed_generations"`
			}
			if err := f.seedCall(ctx, http.MethodGet, "/api/v1/generations/stats", a.token(), nil, http.StatusOK, &stats); err != nil {
				return fmt.Errorf("waiting for the seeded generations: %w", err)
			}
			if stats.Failed > 0 {
				return fmt.Errorf("the server failed %d of the seeded generations", stats.Failed)
			}
			if stats.Processing == 0 {
				break
			}
			if !sleep(ctx, 100*time.Millisecond) {
				return fmt.Errorf("the server did not render the seeded generations within 5 minutes: %w", ctx.Err())
			}
		}
	}
	return nil
}

// ensureCost reads the price of benchModel from the server's catalog.
func (f *fixture) ensureCost(ctx context.Context) error {
	if f.cost > 0 {
		return nil
	}
	var catalog struct {
		Models []struct {
			ID   string `json:"id"`
			Cost int64  `json:"credits_cost"`
		} `json:"models"`
	}
	if err := f.seedCall(ctx, http.MethodGet, "/api/v1/models", "", nil, http.StatusOK, &catalog); err != nil {
		return fmt.Errorf("reading the model catalog: %w", err)
	}
	for _, m := range catalog.Models {
		if m.ID == benchModel {
			f.cost = m.Cost
			return nil
		}
	}
	return fmt.Errorf("the server does not offer %s, which the bench submits", benchModel)
}

// seedCall is call for seeding, on the fixture's client: a busy server is
// asked again.
func (f *fixture) seedCall(ctx context.Context, method, path, token string, body any, want int, out any) error {
	return retryBusy(ctx, func() error { return call(ctx, f.client, method, f.url(path), token, body, want, out) })
}
