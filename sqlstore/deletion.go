package sqlstore

import (
	"context"
	"slices"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// ids runs a query of one id column.
func ids(ctx context.Context, q Querier, query string, args ...any) ([]uuid.UUID, error) {
	return list(ctx, q, func(r Row) (id uuid.UUID, err error) { return id, r.Scan(&id) }, query, args...)
}

// DeleteUser implements velro.Store. The account's row goes and the
// foreign keys take the rest with it: sessions, tokens, ledger, its
// generations, its projects (others' generations in them stay, outside any
// project), its teams with their memberships and shares, its memberships.
// Projects shared with its teams get their effective access rewritten.
func (s *Store) DeleteUser(ctx context.Context, id uuid.UUID, check velro.Check) (eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		// With the user locked no team can gain it as a member; with its
		// teams locked no share can add a project to them.
		if err := s.lockUser(ctx, tx, id, false); err != nil {
			return err
		}
		teams, err := ids(ctx, tx, `SELECT team_id FROM team_members WHERE user_id = $1`, id)
		if err != nil {
			return err
		}
		if err := s.lockAccess(ctx, tx, teams, false, nil); err != nil {
			return err
		}
		projects, err := ids(ctx, tx, `SELECT id FROM projects WHERE user_id = $1
			UNION SELECT s.project_id FROM project_teams s JOIN team_members m ON m.team_id = s.team_id WHERE m.user_id = $1`, id)
		if err != nil {
			return err
		}
		if err := s.lockAccess(ctx, tx, nil, false, projects); err != nil {
			return err
		}
		if err := runCheck(ctx, tx, check); err != nil {
			return err
		}
		generations, err := ids(ctx, tx, `SELECT id FROM generations WHERE user_id = $1`, id)
		if err != nil {
			return err
		}
		uploads, err := ids(ctx, tx, `SELECT id FROM uploads WHERE user_id = $1`, id)
		if err != nil {
			return err
		}
		// Cached decisions on generations and uploads in projects are kept
		// under the project: those projects' decisions go too.
		inProjects, err := ids(ctx, tx, `SELECT project_id FROM generations WHERE user_id = $1 AND project_id IS NOT NULL
			UNION SELECT project_id FROM uploads WHERE user_id = $1 AND project_id IS NOT NULL`, id)
		if err != nil {
			return err
		}
		// Others' generations in its projects stay, outside any project.
		detached, err := ids(ctx, tx, `SELECT g.id FROM generations g JOIN projects p ON p.id = g.project_id
			WHERE p.user_id = $1 AND g.user_id <> $1`, id)
		if err != nil {
			return err
		}
		sessions, err := ids(ctx, tx, `SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL`, id)
		if err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `DELETE FROM users WHERE id = $1`, id)
		if err != nil {
			return err
		} else if n == 0 {
			return velro.Errorf(velro.ENOTFOUND, "User not found.")
		}
		if err := refreshProjectAccess(ctx, tx, projects...); err != nil {
			return err
		}
		if err := bumpAccountEpoch(ctx, tx); err != nil {
			return err
		}
		if err := audit(ctx, tx, event(velro.AuditAccountDeleted, "user", id, map[string]any{
			"teams": len(teams), "projects": len(projects), "generations": len(generations)})); err != nil {
			return err
		}
		projects = append(projects, inProjects...)
		slices.SortFunc(projects, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
		eff = velro.Effects{
			Access:      velro.AccessChange{Projects: slices.Compact(projects), Teams: teams, Generations: generations, Uploads: uploads},
			Users:       []uuid.UUID{id},
			Sessions:    sessions,
			Generations: append(detached, generations...),
			Statuses:    statuses(generations, velro.StatusDeleted),
		}
		return nil
	})
	return eff, err
}

// statuses announces the same status of every generation of ids.
func statuses(ids []uuid.UUID, status velro.Status) []velro.StatusChange {
	out := make([]velro.StatusChange, len(ids))
	for i, id := range ids {
		out[i] = velro.StatusChange{ID: id, Status: status}
	}
	return out
}
