package velro

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// InvitationStatus is where an invitation is in its life.
type InvitationStatus string

// Invitation statuses. A pending invitation past its expiry reads as
// expired.
const (
	InvitationPending  InvitationStatus = "pending"
	InvitationAccepted InvitationStatus = "accepted"
	InvitationDeclined InvitationStatus = "declined"
	InvitationRevoked  InvitationStatus = "revoked"
	InvitationExpired  InvitationStatus = "expired"
)

// Invitation invites an email address into a team with a role. Its mail
// carries a token; only the token's hash is stored.
type Invitation struct {
	ID        uuid.UUID        `json:"id"`
	TeamID    uuid.UUID        `json:"team_id"`
	TeamName  string           `json:"team_name"`
	Email     string           `json:"email"`
	Role      TeamRole         `json:"role" enum:"admin,editor,viewer"`
	Status    InvitationStatus `json:"status" enum:"pending,accepted,declined,revoked,expired"`
	InvitedBy *uuid.UUID       `json:"invited_by" doc:"Who invited; null once that account is deleted"`
	ExpiresAt time.Time        `json:"expires_at"`
	CreatedAt time.Time        `json:"created_at"`
}

// InvitationReader reads team invitations.
type InvitationReader interface {
	// FindInvitation returns an invitation by id; ENOTFOUND when absent.
	FindInvitation(ctx context.Context, id uuid.UUID) (*Invitation, error)
	// FindInvitationByToken returns the invitation whose mailed token has
	// this hash; ENOTFOUND when there is none.
	FindInvitationByToken(ctx context.Context, tokenHash string) (*Invitation, error)
	// ListInvitations returns the team's pending invitations, newest first.
	ListInvitations(ctx context.Context, teamID uuid.UUID) ([]*Invitation, error)
}

// InvitationWriter keeps team invitations. Accepting one changes access:
// it adds the member under the same access locks as AddTeamMember.
type InvitationWriter interface {
	// CreateInvitation re-checks the rule, then inserts a pending
	// invitation (filling its team name and timestamps; it expires after
	// InvitationTTL unless ExpiresAt is set) and queues its mail, in one
	// transaction. ECONFLICT when the address belongs to a
	// member or already has a pending invitation to the team.
	CreateInvitation(ctx context.Context, inv *Invitation, check Check) (Effects, error)
	// SetInvitationToken records the hash of the token being mailed, and
	// reports false (recording nothing) when the invitation was answered or
	// revoked.
	SetInvitationToken(ctx context.Context, id uuid.UUID, tokenHash string) (bool, Effects, error)
	// RevokeInvitation re-checks the rule and revokes a pending invitation
	// of the team. ENOTFOUND when absent, ECONFLICT when not pending.
	RevokeInvitation(ctx context.Context, teamID, id uuid.UUID, check Check) (*Invitation, Effects, error)
	// AcceptInvitation, in one transaction under the team's access locks:
	// the invitation must be pending (ECONFLICT otherwise), unexpired
	// (EEXPIRED) and addressed to the user's email (EFORBIDDEN), and its
	// inviter must still be a member who may add one with its role
	// (ECONFLICT otherwise: a removed admin's invitations die); the user
	// joins the team with its role (ECONFLICT if already a member) and it
	// is marked accepted. ENOTFOUND for an unknown token.
	AcceptInvitation(ctx context.Context, tokenHash string, userID uuid.UUID) (*Invitation, Effects, error)
	// DeclineInvitation marks a pending invitation addressed to the user's
	// email declined, with AcceptInvitation's errors.
	DeclineInvitation(ctx context.Context, tokenHash string, userID uuid.UUID) (*Invitation, Effects, error)
}
