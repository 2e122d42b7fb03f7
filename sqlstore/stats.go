package sqlstore

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// generationCounts counts the generations of one owner or one project
// (where names the column compared with $1): total, completed, failed, in
// flight, favorites, credits net of refunds, and the newest's submission.
const generationCounts = `SELECT count(*),
	COALESCE(SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN status IN ('pending', 'processing') THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN is_favorite THEN 1 ELSE 0 END), 0),
	CAST(COALESCE(SUM(CASE WHEN status IN ('failed', 'cancelled') THEN 0 ELSE cost END), 0) AS BIGINT),
	MAX(created_at)
	FROM generations WHERE `

// counts is one row of generationCounts.
type counts struct {
	total, completed, failed, inFlight, favorite int
	credits                                      int64
	last                                         *time.Time
}

// countGenerations reads the counts and the breakdown of the generations
// whose column equals id.
func countGenerations(ctx context.Context, q Querier, column string, id uuid.UUID) (c counts, b velro.Breakdown, err error) {
	err = q.QueryRow(ctx, generationCounts+column+` = $1`, id).
		Scan(&c.total, &c.completed, &c.failed, &c.inFlight, &c.favorite, &c.credits, nullUTC{&c.last})
	if err != nil {
		return c, b, err
	}
	rows, err := q.Query(ctx, `SELECT model_id, media_type, count(*) FROM generations WHERE `+column+` = $1
		GROUP BY model_id, media_type`, id)
	if err != nil {
		return c, b, err
	}
	b = velro.Breakdown{ByModel: map[string]int{}, ByType: map[velro.MediaType]int{}}
	_, err = collect(rows, func(r Row) (struct{}, error) {
		var model string
		var kind velro.MediaType
		var n int
		err := r.Scan(&model, &kind, &n)
		b.ByModel[model] += n
		b.ByType[kind] += n
		return struct{}{}, err
	})
	return c, b, err
}

// GenerationStats implements velro.Store.
func (s *Store) GenerationStats(ctx context.Context, userID uuid.UUID) (st velro.GenerationStats, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		c, b, err := countGenerations(ctx, q, "user_id", userID)
		st = velro.GenerationStats{Total: c.total, Completed: c.completed, Failed: c.failed, Processing: c.inFlight,
			Favorite: c.favorite, CreditsUsed: c.credits, Breakdown: b}
		return err
	})
	if finished := st.Completed + st.Failed; finished > 0 {
		st.SuccessRatePct = float64(st.Completed*1000/finished) / 10
	}
	return st, err
}

// ProjectStats implements velro.Store.
func (s *Store) ProjectStats(ctx context.Context, projectID uuid.UUID) (st velro.ProjectStats, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		c, b, err := countGenerations(ctx, q, "project_id", projectID)
		st = velro.ProjectStats{GenerationCount: c.total, Completed: c.completed, Failed: c.failed, InProgress: c.inFlight,
			TotalCreditsUsed: c.credits, Breakdown: b, LastGenerationAt: c.last}
		return err
	})
	return st, err
}
