package service

import (
	"cmp"
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/auth"
	"github.com/velro-ai/velro/guard"
)

// teamStore is what Teams needs of the (guarded) store.
type teamStore interface {
	guard.Guarded
	CreateTeam(ctx context.Context, t *velro.Team) (velro.Effects, error)
	FindTeam(ctx context.Context, id uuid.UUID) (*velro.Team, error)
	ListTeams(ctx context.Context, userID uuid.UUID, page velro.Page) ([]*velro.Team, int, error)
	UpdateTeam(ctx context.Context, id uuid.UUID, upd velro.TeamUpdate, check velro.Check) (*velro.Team, velro.Effects, error)
	DeleteTeam(ctx context.Context, id uuid.UUID, check velro.Check) (velro.Effects, error)
	AddTeamMember(ctx context.Context, teamID, userID uuid.UUID, role velro.TeamRole, check velro.Check) (velro.Effects, error)
	SetTeamMemberRole(ctx context.Context, teamID, userID uuid.UUID, role velro.TeamRole, check velro.Check) (velro.Effects, error)
	RemoveTeamMember(ctx context.Context, teamID, userID uuid.UUID, check velro.Check) (velro.Effects, error)
	FindUserByID(ctx context.Context, id uuid.UUID) (*velro.User, error)
	FindUserByEmail(ctx context.Context, email string) (*velro.User, error)
	CreateInvitation(ctx context.Context, inv *velro.Invitation, check velro.Check) (velro.Effects, error)
	FindInvitation(ctx context.Context, id uuid.UUID) (*velro.Invitation, error)
	FindInvitationByToken(ctx context.Context, tokenHash string) (*velro.Invitation, error)
	ListInvitations(ctx context.Context, teamID uuid.UUID) ([]*velro.Invitation, error)
	RevokeInvitation(ctx context.Context, teamID, id uuid.UUID, check velro.Check) (*velro.Invitation, velro.Effects, error)
	AcceptInvitation(ctx context.Context, tokenHash string, userID uuid.UUID) (*velro.Invitation, velro.Effects, error)
	DeclineInvitation(ctx context.Context, tokenHash string, userID uuid.UUID) (*velro.Invitation, velro.Effects, error)
}

// Teams is what users do with teams and their members.
type Teams struct {
	store    teamStore
	authz    velro.Authorizer
	throttle *auth.Throttle
	limits   TeamLimits
}

// TeamsConfig tunes Teams; zero values take the defaults.
type TeamsConfig struct {
	// Throttle counts invitations and add-member probes; default one of
	// this instance's own (pass one sharing counts through Redis).
	Throttle *auth.Throttle
	// Limits default to DefaultTeamLimits.
	Limits TeamLimits
}

// NewTeams returns the team use cases.
func NewTeams(store teamStore, authz velro.Authorizer, cfg TeamsConfig) *Teams {
	if cfg.Throttle == nil {
		cfg.Throttle = auth.NewThrottle(nil, nil)
	}
	return &Teams{store: store, authz: authz, throttle: cfg.Throttle, limits: cmp.Or(cfg.Limits, DefaultTeamLimits)}
}

// Create makes a team whose owner (and only member) is the actor.
func (s *Teams) Create(ctx context.Context, actor uuid.UUID, name, description string) (*velro.Team, error) {
	upd := velro.TeamUpdate{Name: &name, Description: &description}
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	t := &velro.Team{ID: velro.NewID(), Name: name, Description: description, OwnerID: actor}
	_, err := s.store.CreateTeam(ctx, t)
	return t, err
}

// List returns the teams the actor is a member of, newest first, and
// their number.
func (s *Teams) List(ctx context.Context, actor uuid.UUID, page velro.Page) ([]*velro.Team, int, error) {
	return s.store.ListTeams(ctx, actor, page)
}

// window is the page of a whole list.
func window[T any](list []T, page velro.Page) []T {
	lo := min(page.Offset, len(list))
	return list[lo : lo+min(page.Limit, len(list)-lo)]
}

// mayViewTeam: members see a team; to anyone else it does not exist.
func mayViewTeam(actor, id uuid.UUID) velro.Check {
	return velro.Allowed(actor, velro.ActionView, velro.KindTeam, id)
}

// Get returns a team to its members.
func (s *Teams) Get(ctx context.Context, actor, id uuid.UUID) (*velro.Team, error) {
	if err := mayViewTeam(actor, id)(ctx, s.authz); err != nil {
		return nil, err
	}
	return s.store.FindTeam(ctx, id)
}

// Members returns a page of a team's members (by role, owner first, then
// by joining time) to its members, and their number.
func (s *Teams) Members(ctx context.Context, actor, id uuid.UUID, page velro.Page) ([]velro.TeamMember, int, error) {
	t, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, 0, err
	}
	return window(t.Members, page), len(t.Members), nil
}

// mayUpdateTeam: the owner and admins rename and describe a team.
func mayUpdateTeam(actor, id uuid.UUID) velro.Check {
	return velro.Allowed(actor, velro.ActionManageTeam, velro.KindTeam, id)
}

// Update renames or describes a team.
func (s *Teams) Update(ctx context.Context, actor, id uuid.UUID, upd velro.TeamUpdate) (*velro.Team, error) {
	rule := mayUpdateTeam(actor, id)
	if err := rule(ctx, s.authz); err != nil {
		return nil, err
	}
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	t, _, err := s.store.UpdateTeam(ctx, id, upd, rule)
	return t, err
}

// mayDeleteTeam: only the owner deletes a team.
func mayDeleteTeam(actor, id uuid.UUID) velro.Check {
	return velro.Allowed(actor, velro.ActionDeleteTeam, velro.KindTeam, id)
}

// Delete deletes a team with its memberships and shares.
func (s *Teams) Delete(ctx context.Context, actor, id uuid.UUID) error {
	rule := mayDeleteTeam(actor, id)
	if err := rule(ctx, s.authz); err != nil {
		return err
	}
	_, err := s.store.DeleteTeam(ctx, id, rule)
	return err
}

// roles are the actor's and another member's roles in the team, read
// through a: ENOTFOUND if the actor is not a member (to whom the team does
// not exist) or the other user is not one.
func roles(ctx context.Context, a velro.Authorizer, actor, member, team uuid.UUID) (mine, theirs velro.TeamRole, err error) {
	if mine, err = actorRole(ctx, a, actor, team); err != nil {
		return "", "", err
	}
	acc, err := a.Access(ctx, member, velro.KindTeam, team)
	if err == nil && acc.Role == velro.RoleNone {
		err = errNotMember
	}
	return mine, velro.MemberRole(acc), err
}

// actorRole is the actor's role in the team; ENOTFOUND for non-members,
// to whom the team does not exist.
func actorRole(ctx context.Context, a velro.Authorizer, actor, team uuid.UUID) (velro.TeamRole, error) {
	acc, err := velro.Require(ctx, a, actor, velro.ActionView, velro.KindTeam, team)
	return velro.MemberRole(acc), err
}

var errNotMember = velro.Errorf(velro.ENOTFOUND, "The user is not a member of this team.")

// mayAddMember: who may add a member with a role. The owner adds admins,
// editors and viewers; an admin adds editors and viewers; nobody else adds
// anyone, and nobody makes another owner (velro.CanManageMember). Whoever
// may add a role may also invite someone to it.
func mayAddMember(actor, team uuid.UUID, role velro.TeamRole) velro.Check {
	return func(ctx context.Context, a velro.Authorizer) error {
		mine, err := actorRole(ctx, a, actor, team)
		if err != nil {
			return err
		}
		if !velro.CanManageMember(mine, "", role) {
			return velro.Errorf(velro.EFORBIDDEN, "Your role on this team (%s) does not allow adding a member as %s.", mine, role)
		}
		return nil
	}
}

// AddMember adds the account with the email to the team, which mails the
// added person who added them to which team, and returns the team. An
// address without an account is 404, and such answers are throttled per
// caller and per client: each request reserves an attempt that only an
// unknown address keeps, so once the budget is spent every answer is 429
// and tells known from unknown addresses no more.
func (s *Teams) AddMember(ctx context.Context, actor, team uuid.UUID, email string, role velro.TeamRole) (*velro.Team, error) {
	rule := mayAddMember(actor, team, role)
	if err := rule(ctx, s.authz); err != nil {
		return nil, err
	}
	probe, err := reserve(ctx, s.throttle, "Too many additions of addresses without an account; try again later.",
		bucket("user "+actor.String(), "add-member-unknown", s.limits.UnknownPerCaller, time.Hour),
		bucket(velro.ActorFrom(ctx).IP, "add-member-unknown", s.limits.UnknownPerClient, time.Hour))
	if err != nil {
		return nil, err
	}
	u, err := s.store.FindUserByEmail(ctx, email)
	if velro.ErrorCode(err) == velro.ENOTFOUND {
		return nil, velro.Errorf(velro.ENOTFOUND, "No account has this email.")
	}
	probe.release(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.AddTeamMember(ctx, team, u.ID, role, rule); err != nil {
		return nil, err
	}
	return s.store.FindTeam(ctx, team)
}

// mayChangeRole: the owner changes anyone's role but an owner's; an admin
// moves editors and viewers between those two roles (CanManageMember).
func mayChangeRole(actor, team, member uuid.UUID, to velro.TeamRole) velro.Check {
	return func(ctx context.Context, a velro.Authorizer) error {
		mine, theirs, err := roles(ctx, a, actor, member, team)
		switch {
		case err != nil:
			return err
		case !velro.CanManageMember(mine, theirs, to):
			return velro.Errorf(velro.EFORBIDDEN, "Your role on this team (%s) does not allow changing this member's role.", mine)
		}
		return nil
	}
}

// SetMemberRole changes a member's role and returns the team.
func (s *Teams) SetMemberRole(ctx context.Context, actor, team, member uuid.UUID, role velro.TeamRole) (*velro.Team, error) {
	rule := mayChangeRole(actor, team, member, role)
	if err := rule(ctx, s.authz); err != nil {
		return nil, err
	}
	if _, err := s.store.SetTeamMemberRole(ctx, team, member, role, rule); err != nil {
		return nil, err
	}
	return s.store.FindTeam(ctx, team)
}

// mayRemoveMember: any member may leave, except the owner (the team would
// have none: delete it instead); the owner removes anyone else; an admin
// removes editors and viewers.
func mayRemoveMember(actor, team, member uuid.UUID) velro.Check {
	return func(ctx context.Context, a velro.Authorizer) error {
		mine, theirs, err := roles(ctx, a, actor, member, team)
		switch {
		case err != nil:
			return err
		case member == actor && mine == velro.TeamOwner:
			return velro.Errorf(velro.ECONFLICT, "The owner cannot leave the team; delete it instead.")
		case member != actor && !velro.CanManageMember(mine, theirs, ""):
			return velro.Errorf(velro.EFORBIDDEN, "Your role on this team (%s) does not allow removing this member.", mine)
		}
		return nil
	}
}

// Leave takes the actor out of the team; the owner cannot leave (ECONFLICT).
func (s *Teams) Leave(ctx context.Context, actor, team uuid.UUID) error {
	return s.RemoveMember(ctx, actor, team, actor)
}

// RemoveMember removes a member from the team, or lets the actor leave it.
func (s *Teams) RemoveMember(ctx context.Context, actor, team, member uuid.UUID) error {
	rule := mayRemoveMember(actor, team, member)
	if err := rule(ctx, s.authz); err != nil {
		return err
	}
	_, err := s.store.RemoveTeamMember(ctx, team, member, rule)
	return err
}
