package cache

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// Store is a velro.Store that keeps users in memory, so authenticated
// requests that read the caller's account (GET /auth/me, profile, balance)
// cost no database round trip. Every write to a user through this store
// invalidates the entry here and, through the bus, on every instance.
type Store struct {
	velro.Store
	users *Local[uuid.UUID, velro.User]
	bus   velro.Bus
}

// UserTTL bounds how long a cached account may lag a change announced on a
// bus that was down.
const UserTTL = 30 * time.Second

// NewStore wraps s and subscribes to the bus.
func NewStore(s velro.Store, bus velro.Bus) *Store {
	c := &Store{Store: s, users: NewLocal[uuid.UUID, velro.User](100_000, UserTTL), bus: bus}
	bus.Subscribe(c.apply)
	return c
}

func (s *Store) apply(ev velro.Event) {
	if ev.Flush {
		s.users.InvalidateAll()
	}
	if len(ev.Users) > 0 {
		s.users.Invalidate(ev.Users...)
	}
}

// FindUserByID implements velro.UserStore from the cache.
func (s *Store) FindUserByID(ctx context.Context, id uuid.UUID) (*velro.User, error) {
	u, ok := s.users.Get(id)
	if !ok {
		var err error
		u, err = s.users.Fill(id, func() (velro.User, error) {
			u, err := s.Store.FindUserByID(ctx, id)
			if err != nil {
				return velro.User{}, err
			}
			return *u, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return &u, nil
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
	_ = s.bus.Publish(ctx, velro.Event{Users: ids})
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

// GrantCredits implements velro.CreditStore.
func (s *Store) GrantCredits(ctx context.Context, userID uuid.UUID, amount int64, description string) (*velro.CreditTransaction, error) {
	entry, err := s.Store.GrantCredits(ctx, userID, amount, description)
	s.changed(ctx, userID)
	return entry, err
}

// withOwner runs a write on a generation and then announces its owner's
// change (the owner of a generation never changes, so it is read first).
func withOwner[T any](ctx context.Context, s *Store, id uuid.UUID, write func() (T, error)) (T, error) {
	g, err := s.Store.FindGeneration(ctx, id)
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := write()
	s.changed(ctx, g.UserID)
	return v, err
}
