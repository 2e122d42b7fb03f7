package api

import (
	"context"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/service"
)

type teamOutput struct{ Body *velro.Team }

type createTeamInput struct {
	Body struct {
		Name        string `json:"name" minLength:"1" maxLength:"100"`
		Description string `json:"description,omitempty" maxLength:"500"`
	}
}

func handleCreateTeam(teams *service.Teams) func(context.Context, *createTeamInput) (*teamOutput, error) {
	return func(ctx context.Context, in *createTeamInput) (*teamOutput, error) {
		t, err := teams.Create(ctx, principal(ctx).UserID, in.Body.Name, in.Body.Description)
		if err != nil {
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

func handleListTeams(teams *service.Teams) func(context.Context, *PageInput) (*teamsOutput, error) {
	return func(ctx context.Context, in *PageInput) (*teamsOutput, error) {
		list, total, err := teams.List(ctx, principal(ctx).UserID, in.page())
		if err != nil {
			return nil, err
		}
		out := &teamsOutput{}
		out.Body.Teams, out.Body.PageInfo = list, in.info(total)
		return out, nil
	}
}

func handleGetTeam(teams *service.Teams) func(context.Context, *IDPath) (*teamOutput, error) {
	return func(ctx context.Context, in *IDPath) (*teamOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		t, err := teams.Get(ctx, principal(ctx).UserID, id)
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

func handleUpdateTeam(teams *service.Teams) func(context.Context, *updateTeamInput) (*teamOutput, error) {
	return func(ctx context.Context, in *updateTeamInput) (*teamOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		t, err := teams.Update(ctx, principal(ctx).UserID, id, velro.TeamUpdate{Name: in.Body.Name, Description: in.Body.Description})
		if err != nil {
			return nil, err
		}
		return &teamOutput{Body: t}, nil
	}
}

func handleDeleteTeam(teams *service.Teams) func(context.Context, *IDPath) (*messageOutput, error) {
	return func(ctx context.Context, in *IDPath) (*messageOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		if err := teams.Delete(ctx, principal(ctx).UserID, id); err != nil {
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

func handleAddMember(teams *service.Teams) func(context.Context, *addMemberInput) (*teamOutput, error) {
	return func(ctx context.Context, in *addMemberInput) (*teamOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		t, err := teams.AddMember(ctx, principal(ctx).UserID, id, in.Body.Email, in.Body.Role)
		if err != nil {
			return nil, err
		}
		return &teamOutput{Body: t}, nil
	}
}

// MemberPath names a team member.
type MemberPath struct {
	IDPath
	UserID string `path:"user_id" format:"uuid"`
}

type setRoleInput struct {
	MemberPath
	Body struct {
		Role velro.TeamRole `json:"role" enum:"admin,editor,viewer"`
	}
}

func handleSetMemberRole(teams *service.Teams) func(context.Context, *setRoleInput) (*teamOutput, error) {
	return func(ctx context.Context, in *setRoleInput) (*teamOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		member, err := parseID("user_id", in.UserID)
		if err != nil {
			return nil, err
		}
		t, err := teams.SetMemberRole(ctx, principal(ctx).UserID, id, member, in.Body.Role)
		if err != nil {
			return nil, err
		}
		return &teamOutput{Body: t}, nil
	}
}

func handleRemoveMember(teams *service.Teams) func(context.Context, *MemberPath) (*messageOutput, error) {
	return func(ctx context.Context, in *MemberPath) (*messageOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		member, err := parseID("user_id", in.UserID)
		if err != nil {
			return nil, err
		}
		if err := teams.RemoveMember(ctx, principal(ctx).UserID, id, member); err != nil {
			return nil, err
		}
		if member == principal(ctx).UserID {
			return message("You left the team"), nil
		}
		return message("Member removed"), nil
	}
}

type teamMembersInput struct {
	IDPath
	PageInput
}

type teamMembersOutput struct {
	Body struct {
		Members []velro.TeamMember `json:"members"`
		PageInfo
	}
}

func handleTeamMembers(teams *service.Teams) func(context.Context, *teamMembersInput) (*teamMembersOutput, error) {
	return func(ctx context.Context, in *teamMembersInput) (*teamMembersOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		list, total, err := teams.Members(ctx, principal(ctx).UserID, id, in.page())
		if err != nil {
			return nil, err
		}
		out := &teamMembersOutput{}
		out.Body.Members, out.Body.PageInfo = list, in.info(total)
		return out, nil
	}
}

func handleLeaveTeam(teams *service.Teams) func(context.Context, *IDPath) (*messageOutput, error) {
	return func(ctx context.Context, in *IDPath) (*messageOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		if err := teams.Leave(ctx, principal(ctx).UserID, id); err != nil {
			return nil, err
		}
		return message("You left the team"), nil
	}
}
