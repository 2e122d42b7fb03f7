package sqlstore

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// LimitActiveGenerations caps each user's pending and processing
// generations (VELRO_MAX_ACTIVE_GENERATIONS); 0, the default, is no cap.
func (s *Store) LimitActiveGenerations(n int) { s.maxActive = n }

// activeRetryAfter is when a user at the cap may try again: about when
// one of their generations may have ended.
const activeRetryAfter = 5 * time.Second

// checkActive returns the user's pending and processing generations,
// refusing a new one at the cap. It runs in the submit's transaction
// after the charge, which locked the user's row: concurrent submits of one
// user count one after the other, each seeing the others' committed
// generations, so no two pass the cap together.
func (s *Store) checkActive(ctx context.Context, tx Querier, user uuid.UUID) (int, error) {
	var active int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM generations
		WHERE user_id = $1 AND status IN ('pending', 'processing')`, user).Scan(&active); err != nil {
		return 0, err
	}
	if s.maxActive > 0 && active >= s.maxActive {
		return 0, &velro.Error{Code: velro.ERATELIMIT, RetryAfter: activeRetryAfter,
			Message: "You have too many generations in progress; wait for one to finish."}
	}
	return active, nil
}
