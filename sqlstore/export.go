package sqlstore

import (
	"context"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// ExportAccount implements velro.Store: one read transaction's worth
// of queries, oldest first within each list.
func (s *Store) ExportAccount(ctx context.Context, userID uuid.UUID) (x *velro.AccountExport, err error) {
	x = &velro.AccountExport{ExportedAt: velro.Now()}
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		var err error
		if x.Profile, err = findUser(ctx, q, userID); err != nil {
			return err
		}
		if x.Transactions, err = list(ctx, q, scanCredit, `SELECT `+creditColumns+` FROM credit_transactions
			WHERE user_id = $1 ORDER BY created_at, id`, userID); err != nil {
			return err
		}
		if x.Projects, err = list(ctx, q, scanProject, `SELECT `+projectColumns+` FROM projects p
			WHERE p.user_id = $1 ORDER BY p.created_at, p.id`, userID); err != nil {
			return err
		}
		if x.Shares, err = list(ctx, q, func(r Row) (*velro.ProjectShare, error) {
			var sh velro.ProjectShare
			return &sh, r.Scan(&sh.ProjectID, &sh.TeamID, &sh.AccessLevel, utc{&sh.CreatedAt})
		}, `SELECT s.project_id, s.team_id, s.access_level, s.created_at FROM project_teams s
			JOIN projects p ON p.id = s.project_id WHERE p.user_id = $1 ORDER BY s.created_at`, userID); err != nil {
			return err
		}
		if x.Teams, err = teamsOf(ctx, q, userID, nil); err != nil {
			return err
		}
		if x.Generations, err = list(ctx, q, scanGeneration, `SELECT `+generationColumns+` FROM generations
			WHERE user_id = $1 ORDER BY created_at, id`, userID); err != nil {
			return err
		}
		if x.Uploads, err = list(ctx, q, scanUpload, `SELECT `+uploadColumns+` FROM uploads
			WHERE user_id = $1 ORDER BY created_at, id`, userID); err != nil {
			return err
		}
		if x.Invitations, err = list(ctx, q, scanInvitation, invitationQuery+`WHERE i.invited_by = $1 ORDER BY i.created_at`, userID); err != nil {
			return err
		}
		x.Sessions, err = list(ctx, q, scanSession, `SELECT `+sessionColumns+` FROM sessions s JOIN users u ON u.id = s.user_id
			WHERE s.user_id = $1 ORDER BY s.created_at`, userID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return x, nil
}

// list runs query and scans every row.
func list[T any](ctx context.Context, q Querier, scan func(Row) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scan)
}
