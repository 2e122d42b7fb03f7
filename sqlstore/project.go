package sqlstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

const projectColumns = `p.id, p.user_id, p.name, p.description, p.visibility, p.tags, p.metadata, p.created_at, p.updated_at,
	(SELECT count(*) FROM generations g WHERE g.project_id = p.id)`

func scanProject(row Row) (*velro.Project, error) {
	var p velro.Project
	err := row.Scan(&p.ID, &p.UserID, &p.Name, &p.Description, &p.Visibility, jsonValue{&p.Tags}, jsonValue{&p.Metadata},
		utc{&p.CreatedAt}, utc{&p.UpdatedAt}, &p.GenerationCount)
	if err != nil {
		return nil, notFound(err, "Project")
	}
	if p.Tags == nil {
		p.Tags = []string{}
	}
	if p.Metadata == nil {
		p.Metadata = map[string]any{}
	}
	return &p, nil
}

// CreateProject implements velro.Store. Nobody but its owner has access
// yet, and no decision about it is cached: no effects.
func (s *Store) CreateProject(ctx context.Context, p *velro.Project) (velro.Effects, error) {
	tags, err := jsonText(p.Tags)
	if err != nil {
		return velro.Effects{}, err
	}
	meta, err := jsonText(p.Metadata)
	if err != nil {
		return velro.Effects{}, err
	}
	now := velro.Now()
	p.CreatedAt, p.UpdatedAt = now, now
	return velro.Effects{}, s.write(ctx, func(ctx context.Context, tx Querier) error {
		_, err := tx.Exec(ctx, `INSERT INTO projects (id, user_id, name, description, visibility, tags, metadata, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, p.ID, p.UserID, p.Name, p.Description, p.Visibility, tags, meta, now)
		return err
	})
}

// FindProject implements velro.Store.
func (s *Store) FindProject(ctx context.Context, id uuid.UUID) (p *velro.Project, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		p, err = scanProject(q.QueryRow(ctx, `SELECT `+projectColumns+` FROM projects p WHERE p.id = $1`, id))
		return err
	})
	return p, err
}

// readableSets are the projects $1 may read, filtered by visibility $2
// (empty for any), as three sets that each walk an index: own (projects_user_newest),
// public (projects_visibility_newest) and reached through a team (the
// effective-access table, which has only non-private projects). One query
// ORing the three cannot use an index: it read every project, and computed
// the generation count of every public one before keeping a page.
var readableSets = [3]string{
	`SELECT p.id, p.created_at FROM projects p WHERE p.user_id = $1 AND ($2 = '' OR p.visibility = $2)`,
	`SELECT p.id, p.created_at FROM projects p WHERE p.visibility = 'public' AND $2 IN ('', 'public')`,
	`SELECT p.id, p.created_at FROM project_access a JOIN projects p ON p.id = a.project_id
		WHERE a.user_id = $1 AND ($2 = '' OR p.visibility = $2)`,
}

// readableIDs is the union of readableSets, each cut to its first
// limit rows (newest first) when limit names a parameter.
func readableIDs(limit string) string {
	out := ""
	for i, set := range readableSets {
		if i > 0 {
			out += "\n\tUNION "
		}
		if limit != "" {
			set += " ORDER BY p.created_at DESC, p.id DESC LIMIT " + limit
		}
		out += fmt.Sprintf("SELECT id, created_at FROM (%s) AS s%d", set, i)
	}
	return out
}

// ListReadableProjects implements velro.Store. A page needs at
// most offset+limit rows of each set; the generation counts are computed
// for the page only.
func (s *Store) ListReadableProjects(ctx context.Context, userID uuid.UUID, f velro.ProjectFilter) (list []*velro.Project, total int, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		if err := q.QueryRow(ctx, `SELECT count(*) FROM (`+readableIDs("")+`) AS r`, userID, f.Visibility).Scan(&total); err != nil {
			return err
		}
		rows, err := q.Query(ctx, `SELECT `+projectColumns+` FROM projects p WHERE p.id IN (
			SELECT id FROM (`+readableIDs("$3")+`) AS r ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5)
			ORDER BY p.created_at DESC, p.id DESC`, userID, f.Visibility, f.Offset+f.Limit, f.Limit, f.Offset)
		if err != nil {
			return err
		}
		list, err = collect(rows, scanProject)
		return err
	})
	return list, total, err
}

// UpdateProject implements velro.Store.
func (s *Store) UpdateProject(ctx context.Context, id uuid.UUID, upd velro.ProjectUpdate, check velro.Check) (p *velro.Project, eff velro.Effects, err error) {
	var tags, meta *string
	if upd.Tags != nil {
		t, err := jsonText(*upd.Tags)
		if err != nil {
			return nil, eff, err
		}
		tags = &t
	}
	if upd.Metadata != nil {
		m, err := jsonText(upd.Metadata)
		if err != nil {
			return nil, eff, err
		}
		meta = &m
	}
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		if upd.Visibility != nil {
			if err := s.lockAccess(ctx, tx, nil, false, []uuid.UUID{id}); err != nil {
				return err
			}
		}
		if err := runCheck(ctx, tx, check); err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `UPDATE projects SET
			name = COALESCE($2, name),
			description = COALESCE($3, description),
			visibility = COALESCE($4, visibility),
			tags = COALESCE($5, tags),
			metadata = COALESCE($6, metadata),
			updated_at = $7
			WHERE id = $1`, id, upd.Name, upd.Description, upd.Visibility, tags, meta, velro.Now())
		if err != nil {
			return err
		} else if n == 0 {
			return velro.Errorf(velro.ENOTFOUND, "Project not found.")
		}
		if upd.Visibility != nil {
			if err := refreshProjectAccess(ctx, tx, id); err != nil {
				return err
			}
			eff.Access.Projects = []uuid.UUID{id}
			if err := audit(ctx, tx, event(velro.AuditVisibilityChanged, "project", id, map[string]any{"visibility": *upd.Visibility})); err != nil {
				return err
			}
		}
		p, err = scanProject(tx.QueryRow(ctx, `SELECT `+projectColumns+` FROM projects p WHERE p.id = $1`, id))
		return err
	})
	return p, eff, err
}

// DeleteProject implements velro.Store. The project's generations stay,
// outside any project: their rows change. (A generation submitted into the
// project in the instant between the list and the deletion is not named:
// a copy of it cached meanwhile names the project for at most the row
// cache's lifetime.)
func (s *Store) DeleteProject(ctx context.Context, id uuid.UUID, check velro.Check) (eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		if err := s.lockAccess(ctx, tx, nil, false, []uuid.UUID{id}); err != nil {
			return err
		}
		if err := runCheck(ctx, tx, check); err != nil {
			return err
		}
		detached, err := ids(ctx, tx, `SELECT id FROM generations WHERE project_id = $1`, id)
		if err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `DELETE FROM projects WHERE id = $1`, id)
		if err == nil && n == 0 {
			return velro.Errorf(velro.ENOTFOUND, "Project not found.")
		} else if err != nil {
			return err
		}
		eff = velro.Effects{Access: velro.AccessChange{Projects: []uuid.UUID{id}}, Generations: detached}
		return audit(ctx, tx, event(velro.AuditProjectDeleted, "project", id, nil))
	})
	return eff, err
}

// ShareProject implements velro.Store.
func (s *Store) ShareProject(ctx context.Context, share *velro.ProjectShare, check velro.Check) (eff velro.Effects, err error) {
	share.CreatedAt = velro.Now()
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		if err := s.lockAccess(ctx, tx, []uuid.UUID{share.TeamID}, true, []uuid.UUID{share.ProjectID}); err != nil {
			return err
		}
		if err := runCheck(ctx, tx, check); err != nil {
			return err
		}
		if err := exists(ctx, tx, `SELECT 1 FROM projects WHERE id = $1`, share.ProjectID, "Project"); err != nil {
			return err
		}
		if err := exists(ctx, tx, `SELECT 1 FROM teams WHERE id = $1`, share.TeamID, "Team"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO project_teams (project_id, team_id, access_level, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (project_id, team_id) DO UPDATE SET access_level = excluded.access_level`,
			share.ProjectID, share.TeamID, share.AccessLevel, share.CreatedAt)
		if err != nil {
			return err
		}
		if err := audit(ctx, tx, event(velro.AuditShared, "project", share.ProjectID,
			map[string]any{"team_id": share.TeamID, "access_level": share.AccessLevel})); err != nil {
			return err
		}
		eff = velro.Effects{Access: velro.AccessChange{Projects: []uuid.UUID{share.ProjectID}}}
		return refreshProjectAccess(ctx, tx, share.ProjectID)
	})
	return eff, err
}

// UnshareProject implements velro.Store.
func (s *Store) UnshareProject(ctx context.Context, projectID, teamID uuid.UUID, check velro.Check) (eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		if err := s.lockAccess(ctx, tx, []uuid.UUID{teamID}, true, []uuid.UUID{projectID}); err != nil {
			return err
		}
		if err := runCheck(ctx, tx, check); err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `DELETE FROM project_teams WHERE project_id = $1 AND team_id = $2`, projectID, teamID)
		if err != nil {
			return err
		} else if n == 0 {
			return velro.Errorf(velro.ENOTFOUND, "The project is not shared with this team.")
		}
		if err := audit(ctx, tx, event(velro.AuditUnshared, "project", projectID, map[string]any{"team_id": teamID})); err != nil {
			return err
		}
		eff = velro.Effects{Access: velro.AccessChange{Projects: []uuid.UUID{projectID}}}
		return refreshProjectAccess(ctx, tx, projectID)
	})
	return eff, err
}

// exists returns ENOTFOUND naming what unless query finds a row for id.
func exists(ctx context.Context, q Querier, query string, id uuid.UUID, what string) error {
	var one int
	return notFound(q.QueryRow(ctx, query, id).Scan(&one), what)
}

// ListProjectShares implements velro.Store.
func (s *Store) ListProjectShares(ctx context.Context, projectID uuid.UUID) (list []*velro.ProjectShare, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		rows, err := q.Query(ctx, `SELECT s.project_id, s.team_id, s.access_level, t.name, s.created_at
			FROM project_teams s JOIN teams t ON t.id = s.team_id WHERE s.project_id = $1
			ORDER BY s.created_at, s.team_id`, projectID)
		if err != nil {
			return err
		}
		list, err = collect(rows, func(r Row) (*velro.ProjectShare, error) {
			var sh velro.ProjectShare
			err := r.Scan(&sh.ProjectID, &sh.TeamID, &sh.AccessLevel, &sh.TeamName, utc{&sh.CreatedAt})
			return &sh, err
		})
		return err
	})
	return list, err
}
