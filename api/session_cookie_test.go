package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/velro-ai/velro/api"
)

// browserRequest is one request of a browser session test: the cookie it
// carries, the headers a browser would add, and an optional bearer token.
type browserRequest struct {
	method, target, body string
	cookie, bearer       string
	headers              map[string]string
}

func (s *fuzzServer) browser(t *testing.T, r browserRequest) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(r.method, r.target, strings.NewReader(r.body))
	req.Header.Set("Content-Type", "application/json")
	if r.cookie != "" {
		req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: r.cookie})
	}
	if r.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+r.bearer)
	}
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	s.handler.ServeHTTP(w, req)
	return w
}

// sessionCookieOf returns the session cookie a response sets, or nil.
func sessionCookieOf(w *httptest.ResponseRecorder) *http.Cookie {
	return cookieOf(w, api.SessionCookie)
}

func cookieOf(w *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

type tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	User         struct{ Email string }
}

func tokensOf(t *testing.T, w *httptest.ResponseRecorder) tokens {
	t.Helper()
	var v tokens
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("%d %s: %v", w.Code, w.Body, err)
	}
	return v
}

var (
	fromStudio    = map[string]string{api.SessionHeader: "cookie", "Sec-Fetch-Site": "same-origin", "Origin": "http://example.com"}
	sameOrigin    = map[string]string{"Sec-Fetch-Site": "same-origin"}
	crossSite     = map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
	sameSite      = map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://other.example.com"}
	foreignOrigin = map[string]string{"Origin": "https://evil.example"} // an older browser: no Sec-Fetch-Site
)

// TestBrowserSessionCookie: the studio's refresh token lives only in an
// HttpOnly, SameSite=Lax cookie scoped to /api/v1/auth (Secure over https),
// never in a body a script reads; the cookie refreshes only from Velro's own
// origin; a bearer token decides who the caller is; logout, account deletion
// and a refused refresh clear the cookie; programs that do not ask keep
// their body tokens and get no cookie.
func TestBrowserSessionCookie(t *testing.T) {
	s := newFuzzServer(t)
	const password = `{"email":"cookie@example.com","password":"Cookie-passw0rd"}`

	reg := s.browser(t, browserRequest{method: "POST", target: "/api/v1/auth/register", body: password, headers: fromStudio})
	c := sessionCookieOf(reg)
	if reg.Code != 201 || c == nil {
		t.Fatalf("register from the studio: %d, cookie %v", reg.Code, c)
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/api/v1/auth" || c.Secure || c.MaxAge != 30*24*3600 || c.Value == "" {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/api/v1/auth, not Secure over http, 30 days", c)
	}
	// The hint beside it holds no secret and lets scripts know a refresh
	// is worth trying.
	if hint := cookieOf(reg, api.SignedInCookie); hint == nil || hint.Value != "1" || hint.HttpOnly || hint.Path != "/" || hint.MaxAge != c.MaxAge {
		t.Errorf("signed-in hint %+v: want 1, readable by scripts, Path=/, as long as the session cookie", hint)
	}
	if tok := tokensOf(t, reg); tok.RefreshToken != "" || tok.AccessToken == "" {
		t.Errorf("register from the studio: refresh token %q in the body, access token %q", tok.RefreshToken, tok.AccessToken)
	}

	// A program that does not ask gets its tokens in the body and no cookie.
	login := s.browser(t, browserRequest{method: "POST", target: "/api/v1/auth/login", body: password})
	if login.Code != 200 || sessionCookieOf(login) != nil || tokensOf(t, login).RefreshToken == "" {
		t.Fatalf("login without the header: %d, cookie %v, body %s", login.Code, sessionCookieOf(login), login.Body)
	}

	// Over https the cookie is Secure.
	https := s.browser(t, browserRequest{method: "POST", target: "https://example.com/api/v1/auth/login", body: password, headers: fromStudio})
	if c := sessionCookieOf(https); https.Code != 200 || c == nil || !c.Secure {
		t.Errorf("login over https: %d, cookie %+v", https.Code, c)
	}

	// The cookie is refused from any other origin, whatever the body.
	for name, headers := range map[string]map[string]string{"cross-site": crossSite, "same-site": sameSite, "foreign Origin": foreignOrigin} {
		for _, path := range []string{"/api/v1/auth/refresh", "/api/v1/auth/logout", "/api/v1/auth/login"} {
			w := s.browser(t, browserRequest{method: "POST", target: path, body: password, cookie: c.Value, headers: headers})
			if w.Code != 403 || !strings.Contains(w.Body.String(), "Cross-origin request refused") || sessionCookieOf(w) != nil {
				t.Errorf("%s POST %s with the cookie: %d %s; want 403 and no cookie", name, path, w.Code, w.Body)
			}
		}
	}

	// From Velro's own pages the cookie stands in for the refresh token and
	// is rotated.
	ref := s.browser(t, browserRequest{method: "POST", target: "/api/v1/auth/refresh", body: `{}`, cookie: c.Value, headers: sameOrigin})
	next := sessionCookieOf(ref)
	if ref.Code != 200 || next == nil || next.Value == c.Value || tokensOf(t, ref).RefreshToken != "" {
		t.Fatalf("refresh with the cookie: %d %s, cookie %+v", ref.Code, ref.Body, next)
	}
	access := tokensOf(t, ref).AccessToken

	// A request carrying both is judged by its bearer token: the other
	// account's token, with this browser's cookie, is the other account.
	other := s.browser(t, browserRequest{method: "GET", target: "/api/v1/auth/me", bearer: s.token, cookie: next.Value, headers: sameOrigin})
	if other.Code != 200 || !strings.Contains(other.Body.String(), `"fuzz@example.com"`) {
		t.Errorf("bearer of fuzz@ with the cookie of cookie@: %d %s", other.Code, other.Body)
	}
	// And a cookie never stands in for a bearer token.
	if w := s.browser(t, browserRequest{method: "GET", target: "/api/v1/auth/me", cookie: next.Value, headers: sameOrigin}); w.Code != 401 {
		t.Errorf("GET /me with only the cookie: %d, want 401", w.Code)
	}

	// Logout clears the cookie; the session's cookie refreshes no more, and
	// that refusal clears it too.
	out := s.browser(t, browserRequest{method: "POST", target: "/api/v1/auth/logout", bearer: access, cookie: next.Value, headers: sameOrigin})
	if cleared := sessionCookieOf(out); out.Code != 200 || cleared == nil || cleared.MaxAge >= 0 || cleared.Path != "/api/v1/auth" {
		t.Errorf("logout: %d, cookie %+v; want it cleared", out.Code, cleared)
	}
	if hint := cookieOf(out, api.SignedInCookie); hint == nil || hint.MaxAge >= 0 {
		t.Errorf("logout: signed-in hint %+v; want it cleared", hint)
	}
	again := s.browser(t, browserRequest{method: "POST", target: "/api/v1/auth/refresh", body: `{}`, cookie: next.Value, headers: sameOrigin})
	if cleared := sessionCookieOf(again); again.Code != 401 || cleared == nil || cleared.MaxAge >= 0 {
		t.Errorf("refresh after logout: %d, cookie %+v; want 401 and the cookie cleared", again.Code, cleared)
	}

	// Deleting the account clears the cookie.
	del := s.browser(t, browserRequest{method: "DELETE", target: "/api/v1/user", body: `{"password":"Cookie-passw0rd"}`,
		bearer: tokensOf(t, login).AccessToken, headers: sameOrigin})
	if cleared := sessionCookieOf(del); del.Code != 200 || cleared == nil || cleared.MaxAge >= 0 {
		t.Errorf("account deletion: %d %s, cookie %+v; want it cleared", del.Code, del.Body, cleared)
	}
}

// TestCORSNeverAdmitsCookies: the configured origins may call the API with
// bearer tokens, never with credentials (the session cookie).
func TestCORSNeverAdmitsCookies(t *testing.T) {
	s := newFuzzServer(t, func(c *api.Config) { c.CORSOrigins = []string{"https://app.example"} })
	for _, method := range []string{"OPTIONS", "POST"} {
		w := s.browser(t, browserRequest{method: method, target: "/api/v1/auth/login", body: `{}`, headers: map[string]string{
			"Origin": "https://app.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}})
		if w.Header().Get("Access-Control-Allow-Origin") != "https://app.example" {
			t.Errorf("%s: Access-Control-Allow-Origin %q, want the configured origin", method, w.Header().Get("Access-Control-Allow-Origin"))
		}
		if got := w.Header().Get("Access-Control-Allow-Credentials"); got != "" {
			t.Errorf("%s: Access-Control-Allow-Credentials %q, want none", method, got)
		}
	}
}
