package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// sharedRoles selects, per project and user, the best team-derived role as
// a rank (1 viewer, 2 editor, 3 admin): over every share of the project and
// every membership of the shared team, the lower of the member's team role
// (a team owner counts as admin) and the share's level — velro.SharedRole
// in SQL. Private projects and their owners get no rows. %s filters; its
// aliases s (shares) and m (members) are the subquery's own, so it may
// also refer to an outer query's p or g.
const sharedRoles = `SELECT project_id, user_id, MAX(CASE WHEN member_rank < share_rank THEN member_rank ELSE share_rank END) AS role
	FROM (SELECT s.project_id, m.user_id,
			CASE m.role WHEN 'viewer' THEN 1 WHEN 'editor' THEN 2 ELSE 3 END AS member_rank,
			CASE s.access_level WHEN 'read' THEN 1 WHEN 'write' THEN 2 ELSE 3 END AS share_rank
		FROM project_teams s
		JOIN team_members m ON m.team_id = s.team_id
		JOIN projects sp ON sp.id = s.project_id
		WHERE sp.visibility <> 'private' AND m.user_id <> sp.user_id AND %s) shares
	GROUP BY project_id, user_id`

var (
	refreshAccessSQL = `INSERT INTO project_access (project_id, user_id, role) ` + fmt.Sprintf(sharedRoles, `s.project_id = $1`)

	// The caller's team-derived role on the project named by %s, from the
	// effective-access table (L3) or from the base tables.
	l3RoleSQL   = `COALESCE((SELECT a.role FROM project_access a WHERE a.project_id = %s AND a.user_id = $2), 0)`
	baseRoleSQL = `COALESCE((SELECT role FROM (` + fmt.Sprintf(sharedRoles, `s.project_id = %s AND m.user_id = $2`) + `) r), 0)`

	projectFactsSQL    = `SELECT p.user_id, p.visibility, %s FROM projects p WHERE p.id = $1`
	generationFactsSQL = `SELECT g.user_id, g.project_id, p.user_id, p.visibility, %s
		FROM generations g LEFT JOIN projects p ON p.id = g.project_id WHERE g.id = $1`
	uploadFactsSQL = `SELECT u.user_id, u.project_id, p.user_id, p.visibility, %s
		FROM uploads u LEFT JOIN projects p ON p.id = u.project_id WHERE u.id = $1`
	teamFactsSQL = `SELECT t.owner_id, COALESCE((SELECT m.role FROM team_members m WHERE m.team_id = t.id AND m.user_id = $2), '')
		FROM teams t WHERE t.id = $1`

	// The facts queries by kind: from the table, and from the base tables.
	tableFactsSQL = map[velro.Kind]string{
		velro.KindProject:    fmt.Sprintf(projectFactsSQL, fmt.Sprintf(l3RoleSQL, "p.id")),
		velro.KindGeneration: fmt.Sprintf(generationFactsSQL, fmt.Sprintf(l3RoleSQL, "g.project_id")),
		velro.KindUpload:     fmt.Sprintf(uploadFactsSQL, fmt.Sprintf(l3RoleSQL, "u.project_id")),
		velro.KindTeam:       teamFactsSQL,
	}
	baseFactsSQL = map[velro.Kind]string{
		velro.KindProject:    fmt.Sprintf(projectFactsSQL, fmt.Sprintf(baseRoleSQL, "p.id")),
		velro.KindGeneration: fmt.Sprintf(generationFactsSQL, fmt.Sprintf(baseRoleSQL, "g.project_id")),
		velro.KindUpload:     fmt.Sprintf(uploadFactsSQL, fmt.Sprintf(baseRoleSQL, "u.project_id")),
		velro.KindTeam:       teamFactsSQL,
	}
)

// refreshProjectAccess rewrites the effective-access rows of the projects
// from the base tables. Every write that changes shares, memberships,
// visibility or ownership calls it in its own transaction, holding the
// projects' access locks (lock.go).
func refreshProjectAccess(ctx context.Context, tx Querier, projects ...uuid.UUID) error {
	for _, id := range projects {
		if _, err := tx.Exec(ctx, `DELETE FROM project_access WHERE project_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, refreshAccessSQL, id); err != nil {
			return err
		}
	}
	return nil
}

// AccessFacts implements velro.Store.
func (s *Store) AccessFacts(ctx context.Context, user uuid.UUID, kind velro.Kind, id uuid.UUID) (velro.AccessFacts, error) {
	return s.readFacts(ctx, tableFactsSQL, user, kind, id)
}

// BaseAccessFacts implements velro.Store.
func (s *Store) BaseAccessFacts(ctx context.Context, user uuid.UUID, kind velro.Kind, id uuid.UUID) (velro.AccessFacts, error) {
	return s.readFacts(ctx, baseFactsSQL, user, kind, id)
}

func (s *Store) readFacts(ctx context.Context, queries map[velro.Kind]string, user uuid.UUID, kind velro.Kind, id uuid.UUID) (f velro.AccessFacts, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		f, err = accessFacts(ctx, q, queries, user, kind, id)
		return err
	})
	return f, err
}

// accessFacts reads the facts with q (a pool or a transaction) and one of
// the facts queries.
func accessFacts(ctx context.Context, q Querier, queries map[velro.Kind]string, user uuid.UUID, kind velro.Kind, id uuid.UUID) (f velro.AccessFacts, err error) {
	query, ok := queries[kind]
	if !ok {
		return f, fmt.Errorf("sqlstore: no access facts for kind %v", kind)
	}
	row := q.QueryRow(ctx, query, id, user)
	var owner uuid.UUID
	var rank int
	switch kind {
	case velro.KindProject:
		err = row.Scan(&owner, &f.Visibility, &rank)
		f.ProjectID, f.ProjectOwner, f.Owner = id, owner == user, owner == user
	case velro.KindGeneration, velro.KindUpload:
		var project, projectOwner uuid.NullUUID
		var visibility *string
		err = row.Scan(&owner, &project, &projectOwner, &visibility, &rank)
		f.Owner = owner == user
		f.ProjectID = project.UUID
		f.ProjectOwner = projectOwner.Valid && projectOwner.UUID == user
		if visibility != nil {
			f.Visibility = velro.Visibility(*visibility)
		}
	case velro.KindTeam:
		err = row.Scan(&owner, &f.MemberRole)
		f.Owner = owner == user
		rank = int(f.MemberRole.ProjectRole())
	}
	if errors.Is(err, ErrNoRows) {
		return velro.AccessFacts{}, nil
	} else if err != nil {
		return velro.AccessFacts{}, err
	}
	f.Exists, f.TeamRole = true, velro.Role(rank)
	return f, nil
}
