package api

import (
	"context"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/service"
)

type listUsersInput struct {
	PageInput
	Query string `query:"query" maxLength:"254" doc:"Part of an email or name, any case"`
}

type usersOutput struct {
	Body struct {
		Users []*service.AdminUser `json:"users"`
		PageInfo
	}
}

func handleListUsers(accounts *service.Accounts) func(context.Context, *listUsersInput) (*usersOutput, error) {
	return func(ctx context.Context, in *listUsersInput) (*usersOutput, error) {
		list, total, err := accounts.AdminListUsers(ctx, principal(ctx).UserID, in.Query, in.page())
		if err != nil {
			return nil, err
		}
		out := &usersOutput{}
		out.Body.Users, out.Body.PageInfo = list, in.info(total)
		return out, nil
	}
}

type controlUserInput struct {
	IDPath
	Body struct {
		Role     *velro.AccountRole `json:"role,omitempty" enum:"user,admin" doc:"The granted role (a verified address in VELRO_ADMIN_EMAILS is admin regardless)"`
		Disabled *bool              `json:"disabled,omitempty" doc:"A disabled account cannot log in; its sessions end at once"`
	}
}

type adminUserOutput struct{ Body *service.AdminUser }

func handleControlUser(accounts *service.Accounts) func(context.Context, *controlUserInput) (*adminUserOutput, error) {
	return func(ctx context.Context, in *controlUserInput) (*adminUserOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		u, err := accounts.AdminControl(ctx, principal(ctx).UserID, id, velro.AccountControl{Role: in.Body.Role, Disabled: in.Body.Disabled})
		if err != nil {
			return nil, err
		}
		return &adminUserOutput{Body: u}, nil
	}
}
