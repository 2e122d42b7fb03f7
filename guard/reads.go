package guard

import (
	"context"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// The two reads served from the row caches; the others pass through
// (Store embeds velro.Reader).

// cached reads k through c unless the bus is down (then changes made on
// other instances could be missed).
func cached[V any](s *Store, c interface {
	Get(uuid.UUID) (V, bool)
	Fill(uuid.UUID, func() (V, error)) (V, error)
}, k uuid.UUID, load func() (*V, error)) (*V, error) {
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

// FindUserByID implements velro.UserReader from the cache.
func (s *Store) FindUserByID(ctx context.Context, id uuid.UUID) (*velro.User, error) {
	return cached(s, s.users, id, func() (*velro.User, error) { return s.Reader.FindUserByID(ctx, id) })
}

// FindGeneration implements velro.GenerationReader from the cache. The
// parameters and outputs of the returned generation are shared: read them,
// do not modify them.
func (s *Store) FindGeneration(ctx context.Context, id uuid.UUID) (*velro.Generation, error) {
	return cached(s, s.generations, id, func() (*velro.Generation, error) { return s.Reader.FindGeneration(ctx, id) })
}
