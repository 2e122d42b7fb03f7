package api

import (
	"context"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
)

type teamOutput struct{ Body *velro.Team }

type createTeamInput struct {
	Body struct {
		Name        string `json:"name" minLength:"1" maxLength:"100"`
		Description string `json:"description,omitempty" maxLength:"500"`
	}
}

func handleCreateTeam(store velro.Store) func(context.Context, *createTeamInput) (*teamOutput, error) {
	return func(ctx context.Context, in *createTeamInput) (*teamOutput, error) {
		upd := velro.TeamUpdate{Name: &in.Body.Name, Description: &in.Body.Description}
		if err := upd.Validate(); err != nil {
			return nil, err
		}
		t := &velro.Team{ID: velro.NewID(), Name: in.Body.Name, Description: in.Body.Description, OwnerID: principal(ctx).UserID}
		if err := store.CreateTeam(ctx, t); err != nil {
			return nil, err
		}
		return &teamOutput{Body: t}, nil
	}
}

type teamsOutput struct {
	Body struct {
		Teams []*velro.Team `json:"teams"`
		PageInfo
	}
}

func handleListTeams(store velro.Store) func(context.Context, *PageInput) (*teamsOutput, error) {
	return func(ctx context.Context, in *PageInput) (*teamsOutput, error) {
		teams, err := store.ListTeams(ctx, principal(ctx).UserID)
		if err != nil {
			return nil, err
		}
		out := &teamsOutput{}
		out.Body.PageInfo = in.info(len(teams))
		lo := min(in.Offset, len(teams))
		out.Body.Teams = teams[lo : lo+min(in.Limit, len(teams)-lo)]
		return out, nil
	}
}

// requireTeam checks the caller may act on the team and returns the team.
func requireTeam(ctx context.Context, store velro.Store, engine *authz.Engine, rawID string, action velro.Action) (*velro.Team, error) {
	_, id, err := require(ctx, engine, velro.KindTeam, rawID, action)
	if err != nil {
		return nil, err
	}
	return store.FindTeam(ctx, id)
}

func handleGetTeam(store velro.Store, engine *authz.Engine) func(context.Context, *IDPath) (*teamOutput, error) {
	return func(ctx context.Context, in *IDPath) (*teamOutput, error) {
		t, err := requireTeam(ctx, store, engine, in.ID, velro.ActionView)
		if err != nil {
			return nil, err
		}
		return &teamOutput{Body: t}, nil
	}
}

type updateTeamInput struct {
	IDPath
	Body struct {
		Name        *string `json:"name,omitempty" minLength:"1" maxLength:"100"`
		Description *string `json:"description,omitempty" maxLength:"500"`
	}
}

func handleUpdateTeam(store velro.Store, engine *authz.Engine) func(context.Context, *updateTeamInput) (*teamOutput, error) {
	return func(ctx context.Context, in *updateTeamInput) (*teamOutput, error) {
		_, id, err := require(ctx, engine, velro.KindTeam, in.ID, velro.ActionManageTeam)
		if err != nil {
			return nil, err
		}
		upd := velro.TeamUpdate{Name: in.Body.Name, Description: in.Body.Description}
		if err := upd.Validate(); err != nil {
			return nil, err
		}
		t, err := store.UpdateTeam(ctx, id, upd)
		if err != nil {
			return nil, err
		}
		return &teamOutput{Body: t}, nil
	}
}

func handleDeleteTeam(store velro.Store, engine *authz.Engine) func(context.Context, *IDPath) (*messageOutput, error) {
	return func(ctx context.Context, in *IDPath) (*messageOutput, error) {
		_, id, err := require(ctx, engine, velro.KindTeam, in.ID, velro.ActionDeleteTeam)
		if err != nil {
			return nil, err
		}
		if _, err := store.DeleteTeam(ctx, id); err != nil {
			return nil, err
		}
		return message("Team deleted successfully"), nil
	}
}

type addMemberInput struct {
	IDPath
	Body struct {
		Email string         `json:"email" maxLength:"254"`
		Role  velro.TeamRole `json:"role" enum:"admin,editor,viewer"`
	}
}

// handleAddMember adds a member by email: the owner adds anyone, an admin
// editors and viewers.
func handleAddMember(store velro.Store, engine *authz.Engine) func(context.Context, *addMemberInput) (*teamOutput, error) {
	return func(ctx context.Context, in *addMemberInput) (*teamOutput, error) {
		t, err := requireTeam(ctx, store, engine, in.ID, velro.ActionView)
		if err != nil {
			return nil, err
		}
		if !velro.CanManageMember(t.Role(principal(ctx).UserID), "", in.Body.Role) {
			return nil, velro.Errorf(velro.EFORBIDDEN, "Your role on this team does not allow adding a member as %s.", in.Body.Role)
		}
		u, err := store.FindUserByEmail(ctx, in.Body.Email)
		if velro.ErrorCode(err) == velro.ENOTFOUND {
			return nil, velro.Errorf(velro.ENOTFOUND, "No account has this email.")
		} else if err != nil {
			return nil, err
		}
		if _, err := store.AddTeamMember(ctx, t.ID, u.ID, in.Body.Role); err != nil {
			return nil, err
		}
		return findTeam(ctx, store, t.ID)
	}
}

func findTeam(ctx context.Context, store velro.Store, id uuid.UUID) (*teamOutput, error) {
	t, err := store.FindTeam(ctx, id)
	if err != nil {
		return nil, err
	}
	return &teamOutput{Body: t}, nil
}

type MemberPath struct {
	IDPath
	UserID string `path:"user_id" format:"uuid"`
}

// member resolves the member a request is about: the team (visible to the
// caller), the caller's role and the member's.
func member(ctx context.Context, store velro.Store, engine *authz.Engine, in MemberPath) (t *velro.Team, target uuid.UUID, actorRole, targetRole velro.TeamRole, err error) {
	if t, err = requireTeam(ctx, store, engine, in.ID, velro.ActionView); err != nil {
		return
	}
	if target, err = parseID("user_id", in.UserID); err != nil {
		return
	}
	actorRole, targetRole = t.Role(principal(ctx).UserID), t.Role(target)
	if targetRole == "" {
		err = velro.Errorf(velro.ENOTFOUND, "The user is not a member of this team.")
	}
	return
}

type setRoleInput struct {
	MemberPath
	Body struct {
		Role velro.TeamRole `json:"role" enum:"admin,editor,viewer"`
	}
}

func handleSetMemberRole(store velro.Store, engine *authz.Engine) func(context.Context, *setRoleInput) (*teamOutput, error) {
	return func(ctx context.Context, in *setRoleInput) (*teamOutput, error) {
		t, target, actorRole, targetRole, err := member(ctx, store, engine, in.MemberPath)
		if err != nil {
			return nil, err
		}
		if !velro.CanManageMember(actorRole, targetRole, in.Body.Role) {
			return nil, velro.Errorf(velro.EFORBIDDEN, "Your role on this team does not allow changing this member's role.")
		}
		if _, err := store.SetTeamMemberRole(ctx, t.ID, target, in.Body.Role); err != nil {
			return nil, err
		}
		return findTeam(ctx, store, t.ID)
	}
}

// handleRemoveMember removes a member, or lets a member leave. The owner
// cannot leave: the team would have no owner.
func handleRemoveMember(store velro.Store, engine *authz.Engine) func(context.Context, *MemberPath) (*messageOutput, error) {
	return func(ctx context.Context, in *MemberPath) (*messageOutput, error) {
		t, target, actorRole, targetRole, err := member(ctx, store, engine, *in)
		if err != nil {
			return nil, err
		}
		leaving := target == principal(ctx).UserID
		switch {
		case leaving && targetRole == velro.TeamOwner:
			return nil, velro.Errorf(velro.ECONFLICT, "The owner cannot leave the team; delete it instead.")
		case !leaving && !velro.CanManageMember(actorRole, targetRole, ""):
			return nil, velro.Errorf(velro.EFORBIDDEN, "Your role on this team does not allow removing this member.")
		}
		if _, err := store.RemoveTeamMember(ctx, t.ID, target); err != nil {
			return nil, err
		}
		if leaving {
			return message("You left the team"), nil
		}
		return message("Member removed"), nil
	}
}
