package sqlstore

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

const invitationQuery = `SELECT i.id, i.team_id, t.name, i.email, i.role, i.status, i.invited_by, i.expires_at, i.created_at
	FROM team_invitations i JOIN teams t ON t.id = i.team_id `

func scanInvitation(row Row) (*velro.Invitation, error) {
	var inv velro.Invitation
	var by uuid.NullUUID
	err := row.Scan(&inv.ID, &inv.TeamID, &inv.TeamName, &inv.Email, &inv.Role, &inv.Status, &by, utc{&inv.ExpiresAt}, utc{&inv.CreatedAt})
	if err != nil {
		return nil, notFound(err, "Invitation")
	}
	if by.Valid {
		inv.InvitedBy = &by.UUID
	}
	if inv.Status == velro.InvitationPending && !velro.Now().Before(inv.ExpiresAt) {
		inv.Status = velro.InvitationExpired
	}
	return &inv, nil
}

// CreateInvitation implements velro.Store. An invitation changes no
// access until it is accepted, and none is cached: no effects.
func (s *Store) CreateInvitation(ctx context.Context, inv *velro.Invitation, check velro.Check) (velro.Effects, error) {
	inv.Email = strings.ToLower(inv.Email)
	inv.Status = velro.InvitationPending
	inv.CreatedAt = velro.Now()
	if inv.ExpiresAt.IsZero() {
		inv.ExpiresAt = inv.CreatedAt.Add(velro.InvitationTTL)
	}
	inv.ExpiresAt = at(inv.ExpiresAt)
	return velro.Effects{}, s.write(ctx, func(ctx context.Context, tx Querier) error {
		if err := runCheck(ctx, tx, check); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT name FROM teams WHERE id = $1`, inv.TeamID).Scan(&inv.TeamName); err != nil {
			return notFound(err, "Team")
		}
		var member int
		err := tx.QueryRow(ctx, `SELECT 1 FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = $1 AND u.email = $2`,
			inv.TeamID, inv.Email).Scan(&member)
		if err == nil {
			return velro.Errorf(velro.ECONFLICT, "This address belongs to a member of the team already.")
		} else if !errors.Is(err, ErrNoRows) {
			return err
		}
		// An expired invitation no longer holds the address's place.
		if _, err := tx.Exec(ctx, `UPDATE team_invitations SET status = 'expired'
			WHERE team_id = $1 AND email = $2 AND status = 'pending' AND expires_at <= $3`, inv.TeamID, inv.Email, inv.CreatedAt); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO team_invitations (id, team_id, email, role, status, invited_by, expires_at, created_at)
			VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7)`,
			inv.ID, inv.TeamID, inv.Email, inv.Role, uuidOrNil(inv.InvitedBy), inv.ExpiresAt, inv.CreatedAt)
		if s.engine.IsUniqueViolation(err) {
			return velro.Errorf(velro.ECONFLICT, "This address has a pending invitation to the team already.")
		} else if err != nil {
			return err
		}
		if err := audit(ctx, tx, event(velro.AuditInvitationCreated, "invitation", inv.ID,
			map[string]any{"team_id": inv.TeamID, "email": inv.Email, "role": inv.Role})); err != nil {
			return err
		}
		return s.insertMail(ctx, tx, velro.MailJob{Kind: velro.MailInvitation, InvitationID: inv.ID})
	})
}

// FindInvitation implements velro.Store.
func (s *Store) FindInvitation(ctx context.Context, id uuid.UUID) (inv *velro.Invitation, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		inv, err = scanInvitation(q.QueryRow(ctx, invitationQuery+`WHERE i.id = $1`, id))
		return err
	})
	return inv, err
}

// FindInvitationByToken implements velro.Store.
func (s *Store) FindInvitationByToken(ctx context.Context, tokenHash string) (inv *velro.Invitation, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		inv, err = scanInvitation(q.QueryRow(ctx, invitationQuery+`WHERE i.token_hash = $1`, tokenHash))
		return err
	})
	return inv, err
}

// ListInvitations implements velro.Store.
func (s *Store) ListInvitations(ctx context.Context, teamID uuid.UUID) (list []*velro.Invitation, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		rows, err := q.Query(ctx, invitationQuery+`WHERE i.team_id = $1 AND i.status = 'pending' AND i.expires_at > $2
			ORDER BY i.created_at DESC, i.id DESC`, teamID, velro.Now())
		if err != nil {
			return err
		}
		list, err = collect(rows, scanInvitation)
		return err
	})
	return list, err
}

// SetInvitationToken implements velro.Store: no effects (nothing cached).
func (s *Store) SetInvitationToken(ctx context.Context, id uuid.UUID, tokenHash string) (bool, velro.Effects, error) {
	n, err := s.exec(ctx, `UPDATE team_invitations SET token_hash = $2 WHERE id = $1 AND status = 'pending'`, id, tokenHash)
	return n == 1, velro.Effects{}, err
}

// RevokeInvitation implements velro.Store: no effects (nothing cached).
func (s *Store) RevokeInvitation(ctx context.Context, teamID, id uuid.UUID, check velro.Check) (inv *velro.Invitation, _ velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		if err := runCheck(ctx, tx, check); err != nil {
			return err
		}
		if inv, err = scanInvitation(tx.QueryRow(ctx, invitationQuery+`WHERE i.id = $1 AND i.team_id = $2`, id, teamID)); err != nil {
			return err
		}
		if err := respond(ctx, tx, inv, velro.InvitationRevoked); err != nil {
			return err
		}
		inv.Status = velro.InvitationRevoked
		return audit(ctx, tx, event(velro.AuditInvitationRevoked, "invitation", inv.ID, map[string]any{"team_id": teamID}))
	})
	return inv, velro.Effects{}, err
}

// respond moves a pending invitation to status: ECONFLICT when it is no
// longer pending, EEXPIRED when it expired.
func respond(ctx context.Context, tx Querier, inv *velro.Invitation, status velro.InvitationStatus) error {
	switch inv.Status {
	case velro.InvitationPending:
	case velro.InvitationExpired:
		return velro.Errorf(velro.EEXPIRED, "This invitation has expired; ask for a new one.")
	default:
		return velro.Errorf(velro.ECONFLICT, "This invitation was %s already.", inv.Status)
	}
	n, err := tx.Exec(ctx, `UPDATE team_invitations SET status = $2, responded_at = $3 WHERE id = $1 AND status = 'pending'`,
		inv.ID, status, velro.Now())
	if err == nil && n == 0 {
		err = velro.Errorf(velro.ECONFLICT, "This invitation was answered already.")
	}
	return err
}

// answer reads the invitation with the token in tx, for a response by the
// user: it must be pending and addressed to the user's email.
func answer(ctx context.Context, tx Querier, tokenHash string, userID uuid.UUID, status velro.InvitationStatus) (*velro.Invitation, error) {
	inv, err := scanInvitation(tx.QueryRow(ctx, invitationQuery+`WHERE i.token_hash = $1`, tokenHash))
	if err != nil {
		return nil, err
	}
	var email string
	if err := tx.QueryRow(ctx, `SELECT email FROM users WHERE id = $1`, userID).Scan(&email); err != nil {
		return nil, notFound(err, "User")
	}
	if inv.Status == velro.InvitationPending && email != inv.Email {
		return nil, velro.Errorf(velro.EFORBIDDEN, "This invitation is for another email address; log in with the invited one.")
	}
	if err := respond(ctx, tx, inv, status); err != nil {
		return nil, err
	}
	inv.Status = status
	return inv, nil
}

// AcceptInvitation implements velro.Store.
func (s *Store) AcceptInvitation(ctx context.Context, tokenHash string, userID uuid.UUID) (inv *velro.Invitation, eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		// The team is read before its locks (it never changes); the
		// invitation's state after them, so two accepts take turns.
		var teamID uuid.UUID
		if err := tx.QueryRow(ctx, `SELECT team_id FROM team_invitations WHERE token_hash = $1`, tokenHash).Scan(&teamID); err != nil {
			return notFound(err, "Invitation")
		}
		eff, err = s.changeMembershipTx(ctx, tx, teamID, userID, velro.NoRule, func(ctx context.Context, tx Querier) error {
			if inv, err = answer(ctx, tx, tokenHash, userID, velro.InvitationAccepted); err != nil {
				return err
			}
			if err := inviterMayGrant(ctx, tx, inv); err != nil {
				return err
			}
			if err := s.addMember(ctx, tx, teamID, userID, inv.Role); err != nil {
				return err
			}
			// The mailed token proves the address, as a verification link would.
			if err := markVerified(ctx, tx, userID); err != nil {
				return err
			}
			return audit(ctx, tx, event(velro.AuditInvitationAccept, "invitation", inv.ID, map[string]any{"team_id": teamID, "role": inv.Role}))
		})
		eff.Users = append(eff.Users, userID)
		return err
	})
	return inv, eff, err
}

// inviterMayGrant: an invitation holds only while whoever sent it may
// still add a member with its role (velro.CanManageMember): an admin
// removed or demoted since, or a deleted account, vouches for no one. It
// runs under the team's access lock, which removing or re-roling a member
// takes too, so the two cannot pass each other.
func inviterMayGrant(ctx context.Context, tx Querier, inv *velro.Invitation) error {
	stale := velro.Errorf(velro.ECONFLICT, "This invitation no longer holds: whoever sent it may no longer add a member as %s. Ask the team for a new one.", inv.Role)
	if inv.InvitedBy == nil {
		return stale
	}
	var role velro.TeamRole
	err := tx.QueryRow(ctx, `SELECT role FROM team_members WHERE team_id = $1 AND user_id = $2`, inv.TeamID, *inv.InvitedBy).Scan(&role)
	switch {
	case errors.Is(err, ErrNoRows):
		return stale
	case err != nil:
		return err
	case !velro.CanManageMember(role, "", inv.Role):
		return stale
	}
	return nil
}

// DeclineInvitation implements velro.Store: no effects (nothing cached).
func (s *Store) DeclineInvitation(ctx context.Context, tokenHash string, userID uuid.UUID) (inv *velro.Invitation, _ velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		inv, err = answer(ctx, tx, tokenHash, userID, velro.InvitationDeclined)
		return err
	})
	return inv, velro.Effects{}, err
}
