package api

import (
	"context"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/auth"
)

// LoginResponse is a TokenResponse, or, for an account with a second
// factor, only the MFA step: mfa_required, mfa_token and methods.
type LoginResponse struct {
	AccessToken  string      `json:"access_token,omitempty"`
	RefreshToken string      `json:"refresh_token,omitempty"`
	TokenType    string      `json:"token_type,omitempty" enum:"bearer"`
	ExpiresIn    int         `json:"expires_in,omitempty" doc:"Seconds until the access token expires"`
	User         *velro.User `json:"user,omitempty"`
	MFARequired  bool        `json:"mfa_required,omitempty" doc:"The account needs a second factor: POST /api/v1/auth/mfa/verify with mfa_token"`
	MFAToken     string      `json:"mfa_token,omitempty" doc:"Lives 5 minutes and dies after 5 wrong codes"`
	Methods      []string    `json:"methods,omitempty" doc:"The second factors accepted"`
}

type loginOutput struct{ Body LoginResponse }

// loginResult is what a first factor answers: tokens, or the MFA step.
func loginResult(r *auth.Result) *loginOutput {
	if r.MFA != nil {
		return &loginOutput{Body: LoginResponse{MFARequired: true, MFAToken: r.MFA.Token, Methods: r.MFA.Methods}}
	}
	t := tokenResult(r).Body
	return &loginOutput{Body: LoginResponse{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: t.TokenType,
		ExpiresIn: t.ExpiresIn, User: t.User}}
}

type beginTOTPInput struct {
	Body struct {
		Password string `json:"password,omitempty" maxLength:"1024" doc:"Needed unless the session signed in within 10 minutes"`
	}
}

type beginTOTPOutput struct {
	Body struct {
		Secret     string `json:"secret" doc:"Base32 TOTP secret, for apps that cannot read the URL"`
		OTPAuthURL string `json:"otpauth_url" doc:"otpauth:// URL (as a QR code, for authenticator apps)"`
	}
}

func handleBeginTOTP(svc *auth.Service) func(context.Context, *beginTOTPInput) (*beginTOTPOutput, error) {
	return func(ctx context.Context, in *beginTOTPInput) (*beginTOTPOutput, error) {
		secret, url, err := svc.BeginTOTP(ctx, principal(ctx), in.Body.Password, requestInfoFrom(ctx).clientIP)
		if err != nil {
			return nil, err
		}
		out := &beginTOTPOutput{}
		out.Body.Secret, out.Body.OTPAuthURL = secret, url
		return out, nil
	}
}

type codeInput struct {
	Body struct {
		Code string `json:"code" maxLength:"16" doc:"The authenticator app's current 6-digit code"`
	}
}

type recoveryCodesOutput struct {
	Body struct {
		RecoveryCodes []string `json:"recovery_codes" doc:"Shown this once; each signs in once in place of a code"`
	}
}

func handleConfirmTOTP(svc *auth.Service) func(context.Context, *codeInput) (*recoveryCodesOutput, error) {
	return func(ctx context.Context, in *codeInput) (*recoveryCodesOutput, error) {
		codes, err := svc.ConfirmTOTP(ctx, principal(ctx), in.Body.Code)
		if err != nil {
			return nil, err
		}
		out := &recoveryCodesOutput{}
		out.Body.RecoveryCodes = codes
		return out, nil
	}
}

type disableTOTPInput struct {
	Body struct {
		Password string `json:"password" maxLength:"1024"`
		Code     string `json:"code" maxLength:"16"`
	}
}

func handleDisableTOTP(svc *auth.Service) func(context.Context, *disableTOTPInput) (*messageOutput, error) {
	return func(ctx context.Context, in *disableTOTPInput) (*messageOutput, error) {
		if err := svc.DisableTOTP(ctx, principal(ctx), in.Body.Password, in.Body.Code, requestInfoFrom(ctx).clientIP); err != nil {
			return nil, err
		}
		return message("Two-factor authentication is off"), nil
	}
}

type verifyMFAInput struct {
	Body struct {
		MFAToken     string `json:"mfa_token" maxLength:"128"`
		Code         string `json:"code,omitempty" maxLength:"16"`
		RecoveryCode string `json:"recovery_code,omitempty" maxLength:"64"`
	}
}

func handleVerifyMFA(svc *auth.Service) func(context.Context, *verifyMFAInput) (*tokenOutput, error) {
	return func(ctx context.Context, in *verifyMFAInput) (*tokenOutput, error) {
		res, err := svc.VerifyMFA(ctx, in.Body.MFAToken, in.Body.Code, in.Body.RecoveryCode)
		if err != nil {
			return nil, err
		}
		return tokenResult(res), nil
	}
}
