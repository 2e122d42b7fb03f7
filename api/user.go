package api

import (
	"context"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/service"
)

type userOutput struct{ Body *velro.User }

func handleMe(accounts *service.Accounts) func(context.Context, *struct{}) (*userOutput, error) {
	return func(ctx context.Context, _ *struct{}) (*userOutput, error) {
		u, err := accounts.Profile(ctx, principal(ctx).UserID)
		if err != nil {
			return nil, err
		}
		return &userOutput{Body: u}, nil
	}
}

type profileInput struct {
	Body struct {
		FullName  *string `json:"full_name,omitempty" maxLength:"100"`
		AvatarURL *string `json:"avatar_url,omitempty" maxLength:"2048" doc:"An https URL, or empty to clear"`
	}
}

func handleUpdateProfile(accounts *service.Accounts) func(context.Context, *profileInput) (*userOutput, error) {
	return func(ctx context.Context, in *profileInput) (*userOutput, error) {
		u, err := accounts.UpdateProfile(ctx, principal(ctx).UserID, in.Body.FullName, in.Body.AvatarURL)
		if err != nil {
			return nil, err
		}
		return &userOutput{Body: u}, nil
	}
}
