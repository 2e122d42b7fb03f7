package service

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// Invite invites an address into the team with a role, and queues the
// mail with its link in the same transaction. Whoever may add a member
// with the role may invite one (mayAddMember), once their own address is
// verified: a fresh account cannot make Velro mail strangers. Invitations
// are throttled per inviter, per team and per invited address
// (TeamLimits). The answer is the same whether or not the address has an
// account.
func (s *Teams) Invite(ctx context.Context, actor, team uuid.UUID, email string, role velro.TeamRole) (*velro.Invitation, error) {
	email, err := velro.NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	rule := mayAddMember(actor, team, role)
	if err := rule(ctx, s.authz); err != nil {
		return nil, err
	}
	if err := s.mayMail(ctx, actor); err != nil {
		return nil, err
	}
	taken, err := reserve(ctx, s.throttle, "Too many invitations; try again later.",
		bucket("user "+actor.String(), "invite", s.limits.InvitesPerInviter, time.Hour),
		bucket("team "+team.String(), "invite", s.limits.InvitesPerTeam, time.Hour),
		bucket("email "+email, "invite", s.limits.InvitesPerAddress, 24*time.Hour))
	if err != nil {
		return nil, err
	}
	inv := &velro.Invitation{ID: velro.NewID(), TeamID: team, Email: email, Role: role, InvitedBy: &actor}
	if _, err := s.store.CreateInvitation(ctx, inv, rule); err != nil {
		taken.release(ctx) // no mail leaves
		return nil, err
	}
	return inv, nil
}

// mayMail: only an account whose address is verified (or a platform
// admin, made by the operator) makes Velro mail other people.
func (s *Teams) mayMail(ctx context.Context, actor uuid.UUID) error {
	u, err := s.store.FindUserByID(ctx, actor)
	if err != nil {
		return err
	}
	if !u.EmailVerified && u.Role != velro.AdminRole {
		return velro.Errorf(velro.EUNVERIFIED, "Verify your email address before inviting anyone (POST /api/v1/auth/verify/send).")
	}
	return nil
}

// mayListInvitations: those who manage the team (owner, admins) see its
// pending invitations; other members are refused, strangers do not see
// the team.
func mayListInvitations(actor, team uuid.UUID) velro.Check {
	return velro.Allowed(actor, velro.ActionManageTeam, velro.KindTeam, team)
}

// Invitations returns a page of the team's pending invitations, newest
// first, and their number.
func (s *Teams) Invitations(ctx context.Context, actor, team uuid.UUID, page velro.Page) ([]*velro.Invitation, int, error) {
	if err := mayListInvitations(actor, team)(ctx, s.authz); err != nil {
		return nil, 0, err
	}
	list, err := s.store.ListInvitations(ctx, team)
	if err != nil {
		return nil, 0, err
	}
	return window(list, page), len(list), nil
}

// mayRevokeInvitation: whoever may invite someone with the role may take
// the invitation back.
func mayRevokeInvitation(actor, team uuid.UUID, role velro.TeamRole) velro.Check {
	return mayAddMember(actor, team, role)
}

// RevokeInvitation revokes a pending invitation of the team: its link
// stops working.
func (s *Teams) RevokeInvitation(ctx context.Context, actor, team, id uuid.UUID) (*velro.Invitation, error) {
	// Non-members learn nothing, not even whether the invitation exists.
	if _, err := actorRole(ctx, s.authz, actor, team); err != nil {
		return nil, err
	}
	inv, err := s.store.FindInvitation(ctx, id)
	if err != nil {
		return nil, err
	}
	if inv.TeamID != team {
		return nil, velro.Errorf(velro.ENOTFOUND, "Invitation not found.")
	}
	rule := mayRevokeInvitation(actor, team, inv.Role)
	if err := rule(ctx, s.authz); err != nil {
		return nil, err
	}
	inv, _, err = s.store.RevokeInvitation(ctx, team, id, rule)
	return inv, err
}

// Invitation returns the invitation of a mailed link, to anyone holding
// the link (the invitee's app shows it before they sign in).
func (s *Teams) Invitation(ctx context.Context, token string) (*velro.Invitation, error) {
	return s.store.FindInvitationByToken(ctx, velro.HashToken(token))
}

// AcceptInvitation makes the actor, whose address must be the invited one,
// a member with the invited role, and returns the team. Accepting changes
// access like adding a member: it takes the same access locks.
func (s *Teams) AcceptInvitation(ctx context.Context, actor uuid.UUID, token string) (*velro.Team, error) {
	inv, _, err := s.store.AcceptInvitation(ctx, velro.HashToken(token), actor)
	if err != nil {
		return nil, err
	}
	return s.store.FindTeam(ctx, inv.TeamID)
}

// DeclineInvitation declines an invitation addressed to the actor.
func (s *Teams) DeclineInvitation(ctx context.Context, actor uuid.UUID, token string) (*velro.Invitation, error) {
	inv, _, err := s.store.DeclineInvitation(ctx, velro.HashToken(token), actor)
	return inv, err
}
