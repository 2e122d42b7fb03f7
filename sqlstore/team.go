package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

const teamColumns = `t.id, t.name, t.description, t.owner_id, t.created_at, t.updated_at`

// memberQuery lists members owner first, then by role, then by joining.
const memberQuery = `SELECT m.team_id, m.user_id, u.email, u.full_name, m.role FROM team_members m
	JOIN users u ON u.id = m.user_id WHERE %s
	ORDER BY m.team_id, CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 WHEN 'editor' THEN 2 ELSE 3 END, m.created_at`

func scanTeam(row Row) (*velro.Team, error) {
	var t velro.Team
	if err := row.Scan(&t.ID, &t.Name, &t.Description, &t.OwnerID, utc{&t.CreatedAt}, utc{&t.UpdatedAt}); err != nil {
		return nil, notFound(err, "Team")
	}
	t.Members = []velro.TeamMember{}
	return &t, nil
}

// attachMembers loads the members of the teams with one query.
func attachMembers(ctx context.Context, q Querier, where string, args []any, teams ...*velro.Team) error {
	byID := make(map[uuid.UUID]*velro.Team, len(teams))
	for _, t := range teams {
		byID[t.ID] = t
	}
	rows, err := q.Query(ctx, fmt.Sprintf(memberQuery, where), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var teamID uuid.UUID
		var m velro.TeamMember
		if err := rows.Scan(&teamID, &m.UserID, &m.Email, &m.FullName, &m.Role); err != nil {
			return err
		}
		if t := byID[teamID]; t != nil {
			t.Members = append(t.Members, m)
		}
	}
	return rows.Err()
}

// CreateTeam implements velro.Store. Its only member is its owner, and no
// project is shared with it yet: no effects.
func (s *Store) CreateTeam(ctx context.Context, t *velro.Team) (velro.Effects, error) {
	now := velro.Now()
	t.CreatedAt, t.UpdatedAt = now, now
	return velro.Effects{}, s.write(ctx, func(ctx context.Context, tx Querier) error {
		if err := s.lockUser(ctx, tx, t.OwnerID, true); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO teams (id, name, description, owner_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5)`, t.ID, t.Name, t.Description, t.OwnerID, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO team_members (team_id, user_id, role, created_at) VALUES ($1, $2, 'owner', $3)`,
			t.ID, t.OwnerID, now); err != nil {
			return err
		}
		t.Members = []velro.TeamMember{}
		return attachMembers(ctx, tx, "m.team_id = $1", []any{t.ID}, t)
	})
}

// FindTeam implements velro.Store.
func (s *Store) FindTeam(ctx context.Context, id uuid.UUID) (t *velro.Team, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		if t, err = scanTeam(q.QueryRow(ctx, `SELECT `+teamColumns+` FROM teams t WHERE t.id = $1`, id)); err != nil {
			return err
		}
		return attachMembers(ctx, q, "m.team_id = $1", []any{id}, t)
	})
	return t, err
}

// ListTeams implements velro.Store.
func (s *Store) ListTeams(ctx context.Context, userID uuid.UUID, page velro.Page) (teams []*velro.Team, total int, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM team_members WHERE user_id = $1`, userID).Scan(&total); err != nil {
			return err
		}
		teams, err = teamsOf(ctx, q, userID, &page)
		return err
	})
	return teams, total, err
}

// teamsOf reads the teams userID is a member of, newest first, with their
// members: one page of them, or all of them when page is nil (the export).
// Only the page's members are read, however many teams the user is in.
func teamsOf(ctx context.Context, q Querier, userID uuid.UUID, page *velro.Page) ([]*velro.Team, error) {
	query := `SELECT ` + teamColumns + ` FROM teams t WHERE t.id IN (SELECT team_id FROM team_members WHERE user_id = $1)
		ORDER BY t.created_at DESC, t.id DESC`
	args := []any{userID}
	if page != nil {
		query += ` LIMIT $2 OFFSET $3`
		args = append(args, page.Limit, page.Offset)
	}
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	teams, err := collect(rows, scanTeam)
	if err != nil || len(teams) == 0 {
		return teams, err
	}
	for _, t := range teams {
		t.Members = []velro.TeamMember{}
	}
	if page == nil {
		return teams, attachMembers(ctx, q, "m.team_id IN (SELECT team_id FROM team_members WHERE user_id = $1)", args, teams...)
	}
	// The members of exactly this page's teams (a team made or joined
	// since cannot shift them).
	marks, ids := make([]string, len(teams)), make([]any, len(teams))
	for i, t := range teams {
		marks[i], ids[i] = fmt.Sprintf("$%d", i+1), t.ID
	}
	return teams, attachMembers(ctx, q, "m.team_id IN ("+strings.Join(marks, ", ")+")", ids, teams...)
}

// UpdateTeam implements velro.Store. Name and description change no access
// and teams are not cached: no effects.
func (s *Store) UpdateTeam(ctx context.Context, id uuid.UUID, upd velro.TeamUpdate, check velro.Check) (t *velro.Team, _ velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		if err := runCheck(ctx, tx, check); err != nil {
			return err
		}
		if t, err = scanTeam(tx.QueryRow(ctx, `UPDATE teams SET name = COALESCE($2, name), description = COALESCE($3, description),
			updated_at = $4 WHERE id = $1 RETURNING id, name, description, owner_id, created_at, updated_at`,
			id, upd.Name, upd.Description, velro.Now())); err != nil {
			return err
		}
		return attachMembers(ctx, tx, "m.team_id = $1", []any{id}, t)
	})
	return t, velro.Effects{}, err
}

// teamProjects returns the projects shared with a team.
func teamProjects(ctx context.Context, tx Querier, teamID uuid.UUID) ([]uuid.UUID, error) {
	rows, err := tx.Query(ctx, `SELECT project_id FROM project_teams WHERE team_id = $1`, teamID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(r Row) (id uuid.UUID, err error) { return id, r.Scan(&id) })
}

// changeMembership runs a membership write, then rewrites the effective
// access of every project shared with the team, under the team's and those
// projects' access locks (and, first, the lock of the user joining, if the
// write adds one: uuid.Nil otherwise).
func (s *Store) changeMembership(ctx context.Context, teamID, joining uuid.UUID, check velro.Check, write func(ctx context.Context, tx Querier) error) (eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		eff, err = s.changeMembershipTx(ctx, tx, teamID, joining, check, write)
		return err
	})
	return eff, err
}

// changeMembershipTx is changeMembership inside a transaction of the
// caller's, which must take no lock before it.
func (s *Store) changeMembershipTx(ctx context.Context, tx Querier, teamID, joining uuid.UUID, check velro.Check, write func(ctx context.Context, tx Querier) error) (velro.Effects, error) {
	if joining != uuid.Nil {
		if err := s.lockUser(ctx, tx, joining, true); err != nil {
			return velro.Effects{}, err
		}
	}
	projects, err := s.lockTeamAndProjects(ctx, tx, teamID)
	if err != nil {
		return velro.Effects{}, err
	}
	if err := runCheck(ctx, tx, check); err != nil {
		return velro.Effects{}, err
	}
	if err := write(ctx, tx); err != nil {
		return velro.Effects{}, err
	}
	return velro.Effects{Access: velro.AccessChange{Projects: projects, Teams: []uuid.UUID{teamID}}}, refreshProjectAccess(ctx, tx, projects...)
}

// lockTeamAndProjects takes the team's access lock, exclusively, and then
// those of the projects shared with it, which it returns: with the team
// locked no share can add or remove one meanwhile.
func (s *Store) lockTeamAndProjects(ctx context.Context, tx Querier, teamID uuid.UUID) ([]uuid.UUID, error) {
	if err := s.lockAccess(ctx, tx, []uuid.UUID{teamID}, false, nil); err != nil {
		return nil, err
	}
	projects, err := teamProjects(ctx, tx, teamID)
	if err != nil {
		return nil, err
	}
	return projects, s.lockAccess(ctx, tx, nil, false, projects)
}

// DeleteTeam implements velro.Store.
func (s *Store) DeleteTeam(ctx context.Context, id uuid.UUID, check velro.Check) (eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		// The shares go with the team: note their projects first.
		projects, err := s.lockTeamAndProjects(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := runCheck(ctx, tx, check); err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `DELETE FROM teams WHERE id = $1`, id)
		if err != nil {
			return err
		} else if n == 0 {
			return velro.Errorf(velro.ENOTFOUND, "Team not found.")
		}
		if err := audit(ctx, tx, event(velro.AuditTeamDeleted, "team", id, nil)); err != nil {
			return err
		}
		eff = velro.Effects{Access: velro.AccessChange{Projects: projects, Teams: []uuid.UUID{id}}}
		return refreshProjectAccess(ctx, tx, projects...)
	})
	return eff, err
}

// AddTeamMember implements velro.Store.
func (s *Store) AddTeamMember(ctx context.Context, teamID, userID uuid.UUID, role velro.TeamRole, check velro.Check) (velro.Effects, error) {
	return s.changeMembership(ctx, teamID, userID, check, func(ctx context.Context, tx Querier) error {
		if err := s.addMember(ctx, tx, teamID, userID, role); err != nil {
			return err
		}
		// The added person is told who added them (it is not their
		// choice, as accepting an invitation is).
		return s.insertMail(ctx, tx, velro.MailJob{Kind: velro.MailMemberAdded, UserID: userID, TeamID: teamID, ActorID: velro.ActorFrom(ctx).UserID})
	})
}

// addMember adds a member to an existing team, audited; ECONFLICT if
// already one.
func (s *Store) addMember(ctx context.Context, tx Querier, teamID, userID uuid.UUID, role velro.TeamRole) error {
	if err := exists(ctx, tx, `SELECT 1 FROM teams WHERE id = $1`, teamID, "Team"); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO team_members (team_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)`,
		teamID, userID, role, velro.Now())
	if s.engine.IsUniqueViolation(err) {
		return velro.Errorf(velro.ECONFLICT, "The user is already a member of this team.")
	} else if err != nil {
		return err
	}
	return audit(ctx, tx, event(velro.AuditMemberAdded, "team", teamID, map[string]any{"user_id": userID, "role": role}))
}

// SetTeamMemberRole implements velro.Store.
func (s *Store) SetTeamMemberRole(ctx context.Context, teamID, userID uuid.UUID, role velro.TeamRole, check velro.Check) (velro.Effects, error) {
	return s.changeMembership(ctx, teamID, uuid.Nil, check, func(ctx context.Context, tx Querier) error {
		if err := affectedOne(tx.Exec(ctx, `UPDATE team_members SET role = $3 WHERE team_id = $1 AND user_id = $2`, teamID, userID, role)); err != nil {
			return err
		}
		return audit(ctx, tx, event(velro.AuditMemberRoleChanged, "team", teamID, map[string]any{"user_id": userID, "role": role}))
	})
}

// RemoveTeamMember implements velro.Store.
func (s *Store) RemoveTeamMember(ctx context.Context, teamID, userID uuid.UUID, check velro.Check) (velro.Effects, error) {
	return s.changeMembership(ctx, teamID, uuid.Nil, check, func(ctx context.Context, tx Querier) error {
		if err := affectedOne(tx.Exec(ctx, `DELETE FROM team_members WHERE team_id = $1 AND user_id = $2`, teamID, userID)); err != nil {
			return err
		}
		return audit(ctx, tx, event(velro.AuditMemberRemoved, "team", teamID, map[string]any{"user_id": userID}))
	})
}

func affectedOne(n int64, err error) error {
	if err == nil && n == 0 {
		return velro.Errorf(velro.ENOTFOUND, "The user is not a member of this team.")
	}
	return err
}
