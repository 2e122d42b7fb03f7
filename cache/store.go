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
