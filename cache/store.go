package cache

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// Store is a velro.Store that keeps users and generations in memory, so
// the most frequent reads (the caller's account, a generation being
// watched) cost no database round trip. Every write through this store
// invalidates the entry here and, through the bus, on every instance; while
// the bus is down, reads go to the database.
type Store struct {
	velro.Store
	users       *Local[uuid.UUID, velro.User]
	generations *Local[uuid.UUID, velro.Generation]
	bus         velro.Bus
}

// TTL bounds how long a cached row may lag a change announced on a bus that
// was down.
const TTL = 30 * time.Second

// NewStore wraps s and subscribes to the bus.
func NewStore(s velro.Store, bus velro.Bus) *Store {
	c := &Store{Store: s, users: NewLocal[uuid.UUID, velro.User](100_000, TTL),
		generations: NewLocal[uuid.UUID, velro.Generation](100_000, TTL), bus: bus}
	bus.Subscribe(c.apply)
	return c
}

func (s *Store) apply(ev velro.Event) {
	if ev.Flush {
		s.users.InvalidateAll()
		s.generations.InvalidateAll()
	}
	if len(ev.Users) > 0 {
		s.users.Invalidate(ev.Users...)
	}
	if len(ev.GenerationRows) > 0 {
		s.generations.Invalidate(ev.GenerationRows...)
	}
	if len(ev.Projects) > 0 { // a deleted project leaves its generations without one
		projects := make(map[uuid.UUID]bool, len(ev.Projects))
		for _, id := range ev.Projects {
			projects[id] = true
		}
		s.generations.InvalidateIf(func(_ uuid.UUID, g velro.Generation) bool {
			return g.ProjectID != nil && projects[*g.ProjectID]
		})
	}
}

// cached reads k through c unless the bus is down.
func cached[V any](s *Store, c *Local[uuid.UUID, V], k uuid.UUID, load func() (*V, error)) (*V, error) {
	if !s.bus.Connected() {
		return load()
	}
	v, ok := c.Get(k)
	if !ok {
		var err error
		v, err = c.Fill(k, func() (V, error) {
			p, err := load()
			if err != nil {
				var zero V
				return zero, err
			}
			return *p, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return &v, nil
}

// FindUserByID implements velro.UserStore from the cache.
func (s *Store) FindUserByID(ctx context.Context, id uuid.UUID) (*velro.User, error) {
	return cached(s, s.users, id, func() (*velro.User, error) { return s.Store.FindUserByID(ctx, id) })
}

// FindGeneration implements velro.GenerationStore from the cache. The
// parameters and outputs of the returned generation are shared: read them,
// do not modify them.
func (s *Store) FindGeneration(ctx context.Context, id uuid.UUID) (*velro.Generation, error) {
	return cached(s, s.generations, id, func() (*velro.Generation, error) { return s.Store.FindGeneration(ctx, id) })
}

// UpdateUser implements velro.UserStore and announces the change.
func (s *Store) UpdateUser(ctx context.Context, id uuid.UUID, upd velro.UserUpdate) (*velro.User, error) {
	u, err := s.Store.UpdateUser(ctx, id, upd)
	s.changed(ctx, id)
	return u, err
}

// changed invalidates users here and on the other instances. It runs even
// after a failed write: the write may have committed before the error.
func (s *Store) changed(ctx context.Context, ids ...uuid.UUID) {
	// Publish applies locally before it sends; a send failure leaves other
	// instances to the TTL.
	_ = s.bus.Publish(context.WithoutCancel(ctx), velro.Event{Users: ids})
}

// generationChanged invalidates a generation here and everywhere.
func (s *Store) generationChanged(ctx context.Context, id uuid.UUID) {
	_ = s.bus.Publish(context.WithoutCancel(ctx), velro.Event{GenerationRows: []uuid.UUID{id}})
}

// The writes below move credits: the owner's cached balance goes.

// SubmitGeneration implements velro.GenerationStore.
func (s *Store) SubmitGeneration(ctx context.Context, g *velro.Generation, key string) (*velro.Generation, error) {
	existing, err := s.Store.SubmitGeneration(ctx, g, key)
	s.changed(ctx, g.UserID)
	return existing, err
}

// CancelGeneration implements velro.GenerationStore.
func (s *Store) CancelGeneration(ctx context.Context, id uuid.UUID) (*velro.Generation, error) {
	g, err := s.Store.CancelGeneration(ctx, id)
	s.generationChanged(ctx, id)
	if g != nil {
		s.changed(ctx, g.UserID)
	}
	return g, err
}

// FailGeneration implements velro.GenerationStore.
func (s *Store) FailGeneration(ctx context.Context, id uuid.UUID, message string) (bool, error) {
	return withOwner(ctx, s, id, func() (bool, error) { return s.Store.FailGeneration(ctx, id, message) })
}

// DeleteGeneration implements velro.GenerationStore.
func (s *Store) DeleteGeneration(ctx context.Context, id uuid.UUID) (velro.AccessChange, error) {
	return withOwner(ctx, s, id, func() (velro.AccessChange, error) { return s.Store.DeleteGeneration(ctx, id) })
}

// StartGeneration implements velro.GenerationStore.
func (s *Store) StartGeneration(ctx context.Context, id uuid.UUID) (*velro.Generation, error) {
	g, err := s.Store.StartGeneration(ctx, id)
	s.generationChanged(ctx, id)
	return g, err
}

// CompleteGeneration implements velro.GenerationStore.
func (s *Store) CompleteGeneration(ctx context.Context, id uuid.UUID, outputs []string) (bool, error) {
	done, err := s.Store.CompleteGeneration(ctx, id, outputs)
	s.generationChanged(ctx, id)
	return done, err
}

// ToggleFavorite implements velro.GenerationStore.
func (s *Store) ToggleFavorite(ctx context.Context, id uuid.UUID) (*velro.Generation, error) {
	g, err := s.Store.ToggleFavorite(ctx, id)
	s.generationChanged(ctx, id)
	return g, err
}

// GrantCredits implements velro.CreditStore.
func (s *Store) GrantCredits(ctx context.Context, userID uuid.UUID, amount int64, description string) (*velro.CreditTransaction, error) {
	entry, err := s.Store.GrantCredits(ctx, userID, amount, description)
	s.changed(ctx, userID)
	return entry, err
}

// withOwner runs a write that ends a generation (and may refund it), then
// announces the change of the generation and of its owner's balance (the
// owner of a generation never changes, so it is read first).
func withOwner[T any](ctx context.Context, s *Store, id uuid.UUID, write func() (T, error)) (T, error) {
	g, err := s.Store.FindGeneration(ctx, id)
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := write()
	s.generationChanged(ctx, id)
	s.changed(ctx, g.UserID)
	return v, err
}
