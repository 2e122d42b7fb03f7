package api

import (
	"context"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/auth"
)

type principalKey struct{}

// principal returns the caller of a secured operation.
func principal(ctx context.Context) auth.Principal {
	p, _ := ctx.Value(principalKey{}).(auth.Principal)
	return p
}

// authenticate checks the bearer token of every operation that declares a
// security requirement and puts the caller in the context (as the
// principal, and as the actor of what the request writes to the audit
// log).
func authenticate(api huma.API, svc *auth.Service) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		if len(ctx.Operation().Security) == 0 {
			next(ctx)
			return
		}
		token, ok := bearerToken(ctx.Header("Authorization"))
		if !ok {
			huma.WriteErr(api, ctx, 0, "", errMissingToken)
			return
		}
		p, err := svc.Authenticate(ctx.Context(), token)
		if err != nil {
			huma.WriteErr(api, ctx, 0, "", err)
			return
		}
		actor := velro.ActorFrom(ctx.Context())
		actor.UserID, actor.MFA = p.UserID, p.MFA
		ctx = huma.WithContext(ctx, velro.WithActor(context.WithValue(ctx.Context(), principalKey{}, p), actor))
		next(ctx)
	}
}

var errMissingToken = &velro.Error{Code: velro.EUNAUTHORIZED, Message: "Missing bearer token."}

// bearerToken extracts the token of an "Authorization: Bearer ..." header.
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	return token, ok && strings.EqualFold(scheme, "bearer") && token != ""
}

// TokenResponse is what register, login and refresh return.
type TokenResponse struct {
	AccessToken  string      `json:"access_token"`
	RefreshToken string      `json:"refresh_token"`
	TokenType    string      `json:"token_type" enum:"bearer"`
	ExpiresIn    int         `json:"expires_in" doc:"Seconds until the access token expires"`
	User         *velro.User `json:"user"`
}

type tokenOutput struct{ Body TokenResponse }

func tokenResult(r *auth.Result) *tokenOutput {
	return &tokenOutput{Body: TokenResponse{
		AccessToken: r.AccessToken, RefreshToken: r.RefreshToken, TokenType: "bearer",
		ExpiresIn: int(r.ExpiresIn.Seconds()), User: r.User,
	}}
}

type registerInput struct {
	Body struct {
		Email    string `json:"email" maxLength:"254" example:"ada@example.com"`
		Password string `json:"password" minLength:"8" maxLength:"128" doc:"8..128 characters, not all of one kind"`
		FullName string `json:"full_name,omitempty" maxLength:"100"`
	}
}

func handleRegister(svc *auth.Service) func(context.Context, *registerInput) (*tokenOutput, error) {
	return func(ctx context.Context, in *registerInput) (*tokenOutput, error) {
		res, err := svc.Register(ctx, in.Body.Email, in.Body.Password, in.Body.FullName, requestInfoFrom(ctx).clientIP)
		if err != nil {
			return nil, err
		}
		return tokenResult(res), nil
	}
}

type loginInput struct {
	Body struct {
		Email    string `json:"email" maxLength:"254"`
		Password string `json:"password" maxLength:"1024"`
	}
}

func handleLogin(svc *auth.Service) func(context.Context, *loginInput) (*loginOutput, error) {
	return func(ctx context.Context, in *loginInput) (*loginOutput, error) {
		res, err := svc.Login(ctx, in.Body.Email, in.Body.Password, requestInfoFrom(ctx).clientIP)
		if err != nil {
			return nil, err
		}
		return loginResult(res), nil
	}
}

type refreshInput struct {
	Body struct {
		RefreshToken string `json:"refresh_token,omitempty" maxLength:"512" doc:"Left out by Velro's own pages: their session cookie holds it"`
	}
}

func handleRefresh(svc *auth.Service) func(context.Context, *refreshInput) (*tokenOutput, error) {
	return func(ctx context.Context, in *refreshInput) (*tokenOutput, error) {
		token := in.Body.RefreshToken
		if token == "" {
			token = browserSessionFrom(ctx).cookie
		}
		if token == "" { // neither in the body nor in a session cookie
			return nil, velro.Invalid("refresh_token", "is required (Velro's own pages send their session cookie instead)")
		}
		res, err := svc.Refresh(ctx, token)
		if err != nil {
			return nil, err
		}
		return tokenResult(res), nil
	}
}

// messageOutput is the `{"message": ...}` body of actions without a resource.
type messageOutput struct {
	Body struct {
		Message string `json:"message"`
	}
}

func message(text string) *messageOutput {
	out := &messageOutput{}
	out.Body.Message = text
	return out
}

func handleLogout(svc *auth.Service) func(context.Context, *struct{}) (*messageOutput, error) {
	return func(ctx context.Context, _ *struct{}) (*messageOutput, error) {
		if err := svc.Logout(ctx, principal(ctx)); err != nil {
			return nil, err
		}
		return message("Logged out successfully"), nil
	}
}

type jwksOutput struct{ Body auth.JWKS }

func handleJWKS(svc *auth.Service) func(context.Context, *struct{}) (*jwksOutput, error) {
	return func(context.Context, *struct{}) (*jwksOutput, error) {
		return &jwksOutput{Body: svc.Tokens().JWKS()}, nil
	}
}
