package api

import (
	"context"
	"net/url"
	"strings"

	"github.com/velro-ai/velro"
)

type userOutput struct{ Body *velro.User }

func handleMe(store velro.Store) func(context.Context, *struct{}) (*userOutput, error) {
	return func(ctx context.Context, _ *struct{}) (*userOutput, error) {
		u, err := store.FindUserByID(ctx, principal(ctx).UserID)
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

func handleUpdateProfile(store velro.Store) func(context.Context, *profileInput) (*userOutput, error) {
	return func(ctx context.Context, in *profileInput) (*userOutput, error) {
		upd := velro.UserUpdate{FullName: in.Body.FullName, AvatarURL: in.Body.AvatarURL}
		if upd.FullName != nil {
			name := strings.TrimSpace(*upd.FullName)
			upd.FullName = &name
		}
		if a := upd.AvatarURL; a != nil && *a != "" {
			u, err := url.Parse(*a)
			if err != nil || u.Scheme != "https" || u.Host == "" {
				return nil, velro.Invalid("avatar_url", "must be an https URL")
			}
		}
		u, err := store.UpdateUser(ctx, principal(ctx).UserID, upd)
		if err != nil {
			return nil, err
		}
		return &userOutput{Body: u}, nil
	}
}
