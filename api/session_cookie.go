package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/velro-ai/velro"
)

// Browser sessions. Velro's own pages (the studio, /dashboard) keep no token
// where a script could find it after a reload: they ask for the refresh
// token in an HttpOnly cookie (SessionHeader: cookie), hold access tokens in
// page memory, and refresh with an empty body, the cookie standing in for
// the refresh token. Programs keep using the bodies' tokens, untouched.
const (
	// SessionHeader, set to "cookie" on register, login, refresh (and any
	// other operation answering a TokenResponse), moves the refresh token
	// from the body into the session cookie.
	SessionHeader = "X-Velro-Session"
	// SessionCookie holds the refresh token of a browser session. Only
	// /api/v1/auth/* ever receives it (its Path).
	SessionCookie = "velro_refresh"
	sessionPath   = "/api/v1/auth"
	// SignedInCookie, beside the session cookie and gone with it, holds no
	// secret: it tells the pages (which cannot see an HttpOnly cookie)
	// that a refresh is worth trying, so a first visit does not answer
	// itself with a 401.
	SignedInCookie = "velro_signed_in"
)

// browserSession is what a request says of its browser session.
type browserSession struct {
	wantsCookie bool   // SessionHeader: cookie
	cookie      string // the refresh token of the session cookie, if sent
	secure      bool   // the request came over https: the cookie is Secure
}

type browserSessionKey struct{}

func browserSessionFrom(ctx context.Context) browserSession {
	s, _ := ctx.Value(browserSessionKey{}).(browserSession)
	return s
}

// browserSessions reads the session cookie and refuses it from other
// origins: a request that carries it and changes something must come from
// Velro's own pages (Sec-Fetch-Site or Origin, as http.CrossOriginProtection
// judges), so no other site can make a visitor's browser refresh, log out
// or otherwise act with it. Requests without the cookie (bearer tokens,
// programs) are not affected; a bearer token always decides who the caller
// is, the cookie only ever stands in for a refresh token.
func browserSessions(api huma.API, publicURL string) func(huma.Context, func(huma.Context)) {
	sameOrigin := http.NewCrossOriginProtection()
	httpsOrigin := strings.HasPrefix(publicURL, "https://")
	return func(ctx huma.Context, next func(huma.Context)) {
		r, _ := humago.Unwrap(ctx)
		s := browserSession{wantsCookie: strings.EqualFold(r.Header.Get(SessionHeader), "cookie")}
		if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			if err := sameOrigin.Check(r); err != nil {
				huma.WriteErr(api, ctx, 0, "", errCrossOrigin)
				return
			}
			s.cookie = c.Value
		}
		if !s.wantsCookie && s.cookie == "" && !clearsSession[ctx.Operation().OperationID] {
			next(ctx)
			return
		}
		s.secure = httpsOrigin || r.TLS != nil ||
			(requestInfoFrom(ctx.Context()).viaProxy && firstValue(r.Header.Get("X-Forwarded-Proto")) == "https")
		next(huma.WithContext(ctx, context.WithValue(ctx.Context(), browserSessionKey{}, s)))
	}
}

var errCrossOrigin = &velro.Error{Code: velro.EFORBIDDEN,
	Message: "Cross-origin request refused: Velro's session cookie works only on Velro's own pages."}

// clearsSession are the operations after which the browser's session is
// over (logout, a password reset, the account deleted): their success
// clears the cookie.
var clearsSession = map[string]bool{
	"post-api-v1-auth-logout":         true,
	"post-api-v1-auth-password-reset": true,
	"delete-api-v1-user":              true,
}

// sessionCookies is a huma transformer: it runs on every response body
// before the status is written. It moves the refresh token of a
// TokenResponse into the cookie when asked to (or when the cookie was the
// refresh token), and clears the cookie when the session ends: after the
// operations of clearsSession, and when the cookie's refresh is refused
// (the session was revoked, expired, or its account disabled).
func sessionCookies(lifetime velro.SessionLifetime) huma.Transformer {
	return func(ctx huma.Context, status string, v any) (any, error) {
		s := browserSessionFrom(ctx.Context())
		switch {
		case !s.wantsCookie && s.cookie == "" && !clearsSession[ctx.Operation().OperationID]:
			return v, nil
		case status == "200" || status == "201":
			if tokens, ok := v.(TokenResponse); ok && (s.wantsCookie || s.cookie != "") {
				setSessionCookies(ctx, tokens.RefreshToken, lifetime.Idle, s.secure)
				tokens.RefreshToken = ""
				return tokens, nil
			}
			// A login's tokens (not its MFA step, which has none).
			if tokens, ok := v.(LoginResponse); ok && tokens.RefreshToken != "" && (s.wantsCookie || s.cookie != "") {
				setSessionCookies(ctx, tokens.RefreshToken, lifetime.Idle, s.secure)
				tokens.RefreshToken = ""
				return tokens, nil
			}
			if clearsSession[ctx.Operation().OperationID] {
				setSessionCookies(ctx, "", -1, s.secure)
			}
		case status == "401" && s.cookie != "":
			setSessionCookies(ctx, "", -1, s.secure)
		}
		return v, nil
	}
}

// setSessionCookies sets the session cookie to a refresh token, and the
// signed-in hint beside it; a negative maxAge deletes both.
func setSessionCookies(ctx huma.Context, refreshToken string, maxAge time.Duration, secure bool) {
	age := int(maxAge.Seconds())
	hint := "1"
	if maxAge < 0 {
		age, hint = -1, ""
	}
	ctx.AppendHeader("Set-Cookie", (&http.Cookie{Name: SessionCookie, Value: refreshToken, Path: sessionPath,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode, MaxAge: age}).String())
	ctx.AppendHeader("Set-Cookie", (&http.Cookie{Name: SignedInCookie, Value: hint, Path: "/",
		Secure: secure, SameSite: http.SameSiteLaxMode, MaxAge: age}).String())
}
