package guard

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// The writes of sessions, second factors and email changes. Each
// publishes the effects the store returned (effects.go).

// EndSession implements velro.Store.
func (s *Store) EndSession(ctx context.Context, userID, id uuid.UUID, now time.Time) (velro.Effects, error) {
	eff, err := s.raw.EndSession(ctx, userID, id, now)
	return eff, s.publish(ctx, eff, err)
}

// EndOtherSessions implements velro.Store.
func (s *Store) EndOtherSessions(ctx context.Context, userID, keep uuid.UUID) (int, velro.Effects, error) {
	n, eff, err := s.raw.EndOtherSessions(ctx, userID, keep)
	return n, eff, s.publish(ctx, eff, err)
}
