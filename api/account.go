package api

import (
	"context"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/auth"
	"github.com/velro-ai/velro/service"
)

type changePasswordInput struct {
	Body struct {
		CurrentPassword string `json:"current_password" maxLength:"1024"`
		NewPassword     string `json:"new_password" minLength:"8" maxLength:"128" doc:"8..128 characters, not all of one kind"`
	}
}

func handleChangePassword(svc *auth.Service) func(context.Context, *changePasswordInput) (*messageOutput, error) {
	return func(ctx context.Context, in *changePasswordInput) (*messageOutput, error) {
		err := svc.ChangePassword(ctx, principal(ctx), in.Body.CurrentPassword, in.Body.NewPassword, requestInfoFrom(ctx).clientIP)
		if err != nil {
			return nil, err
		}
		return message("Password changed; your other sessions have ended"), nil
	}
}

type forgotInput struct {
	Body struct {
		Email string `json:"email" maxLength:"254"`
	}
}

func handleForgotPassword(svc *auth.Service) func(context.Context, *forgotInput) (*messageOutput, error) {
	return func(ctx context.Context, in *forgotInput) (*messageOutput, error) {
		if err := svc.ForgotPassword(ctx, in.Body.Email, requestInfoFrom(ctx).clientIP); err != nil {
			return nil, err
		}
		return message("If an account has this address, a mail with a link to reset its password is on its way."), nil
	}
}

type resetInput struct {
	Body struct {
		Token       string `json:"token" minLength:"1" maxLength:"256"`
		NewPassword string `json:"new_password" minLength:"8" maxLength:"128" doc:"8..128 characters, not all of one kind"`
	}
}

func handleResetPassword(svc *auth.Service) func(context.Context, *resetInput) (*messageOutput, error) {
	return func(ctx context.Context, in *resetInput) (*messageOutput, error) {
		if _, err := svc.ResetPassword(ctx, in.Body.Token, in.Body.NewPassword, requestInfoFrom(ctx).clientIP); err != nil {
			return nil, err
		}
		return message("Password reset; log in with the new password"), nil
	}
}

func handleSendVerification(accounts *service.Accounts) func(context.Context, *struct{}) (*messageOutput, error) {
	return func(ctx context.Context, _ *struct{}) (*messageOutput, error) {
		if err := accounts.SendVerification(ctx, principal(ctx).UserID); err != nil {
			return nil, err
		}
		return message("A mail with a link that verifies your address is on its way."), nil
	}
}

type tokenInput struct {
	Body struct {
		Token string `json:"token" minLength:"1" maxLength:"256"`
	}
}

func handleVerifyEmail(accounts *service.Accounts) func(context.Context, *tokenInput) (*userOutput, error) {
	return func(ctx context.Context, in *tokenInput) (*userOutput, error) {
		u, err := accounts.VerifyEmail(ctx, in.Body.Token)
		if err != nil {
			return nil, err
		}
		return &userOutput{Body: u}, nil
	}
}

type deleteAccountInput struct {
	Body struct {
		Password string `json:"password" maxLength:"1024"`
	}
}

func handleDeleteAccount(accounts *service.Accounts) func(context.Context, *deleteAccountInput) (*messageOutput, error) {
	return func(ctx context.Context, in *deleteAccountInput) (*messageOutput, error) {
		if err := accounts.DeleteAccount(ctx, principal(ctx), in.Body.Password, requestInfoFrom(ctx).clientIP); err != nil {
			return nil, err
		}
		return message("Account deleted with all its data"), nil
	}
}

type exportOutput struct{ Body *velro.AccountExport }

func handleExport(accounts *service.Accounts) func(context.Context, *struct{}) (*exportOutput, error) {
	return func(ctx context.Context, _ *struct{}) (*exportOutput, error) {
		x, err := accounts.Export(ctx, principal(ctx).UserID)
		if err != nil {
			return nil, err
		}
		return &exportOutput{Body: x}, nil
	}
}
