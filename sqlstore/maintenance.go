package sqlstore

import (
	"context"
	"time"
)

// EndAllSessions revokes every live session (a restored backup brings
// back sessions that had ended since): everyone signs in again. It names
// how many it ended.
func (s *Store) EndAllSessions(ctx context.Context, now time.Time) (int64, error) {
	return s.exec(ctx, `UPDATE sessions SET revoked_at = $1 WHERE revoked_at IS NULL`, at(now))
}
