package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
)

func TestAuthLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		c := startServer(t, e).client(t)

		r := c.do("POST", "/api/v1/auth/register", map[string]any{"email": "Ada@Example.com", "password": "Lovelace1815", "full_name": "Ada"}).want(t, 201)
		m := r.JSON(t)
		user := m["user"].(map[string]any)
		if m["token_type"] != "bearer" || m["expires_in"] != 900.0 || user["email"] != "ada@example.com" ||
			user["credits_balance"] != 1000.0 || user["role"] != "user" || user["full_name"] != "Ada" {
			t.Fatalf("register response %s", r.Body)
		}
		first := account{Access: m["access_token"].(string), Refresh: m["refresh_token"].(string)}

		me := c.with(first.Access).do("GET", "/api/v1/auth/me", nil).want(t, 200).JSON(t)
		if me["id"] != user["id"] || me["email"] != "ada@example.com" {
			t.Fatalf("me = %v", me)
		}

		login := c.do("POST", "/api/v1/auth/login", map[string]any{"email": "ADA@example.com", "password": "Lovelace1815"}).want(t, 200).JSON(t)
		second := account{Access: login["access_token"].(string), Refresh: login["refresh_token"].(string)}

		ref := c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": second.Refresh}).want(t, 200).JSON(t)
		if ref["refresh_token"] == second.Refresh || ref["access_token"] == "" {
			t.Fatalf("refresh did not rotate: %v", ref)
		}
		rotated := ref["refresh_token"].(string)
		c.with(ref["access_token"].(string)).do("GET", "/api/v1/auth/me", nil).want(t, 200)

		// Logout of the second session: its access and refresh tokens die,
		// the first session lives on.
		out := c.with(second.Access).do("POST", "/api/v1/auth/logout", nil).want(t, 200).JSON(t)
		if out["message"] != "Logged out successfully" {
			t.Fatalf("logout = %v", out)
		}
		c.with(second.Access).do("GET", "/api/v1/auth/me", nil).wantError(t, 401, "unauthorized")
		c.with(ref["access_token"].(string)).do("GET", "/api/v1/auth/me", nil).wantError(t, 401, "unauthorized")
		c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": rotated}).wantError(t, 401, "unauthorized")
		c.with(first.Access).do("GET", "/api/v1/auth/me", nil).want(t, 200)
		c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": first.Refresh}).want(t, 200)

		// Profile, credits and the welcome bonus in the ledger.
		p := c.with(first.Access).do("PUT", "/api/v1/user/profile", map[string]any{"full_name": "Ada King", "avatar_url": "https://example.com/ada.png"}).want(t, 200).JSON(t)
		if p["full_name"] != "Ada King" || p["avatar_url"] != "https://example.com/ada.png" {
			t.Fatalf("profile = %v", p)
		}
		if got := c.with(first.Access).do("GET", "/api/v1/user/profile", nil).want(t, 200).JSON(t); got["full_name"] != "Ada King" {
			t.Fatalf("profile after update = %v", got)
		}
		cr := c.with(first.Access).do("GET", "/api/v1/user/credits", nil).want(t, 200).JSON(t)
		if cr["credits_balance"] != 1000.0 || cr["currency"] != "credits" || cr["user_id"] != user["id"] {
			t.Fatalf("user credits = %v", cr)
		}
		if b := c.with(first.Access).do("GET", "/api/v1/credits/balance", nil).want(t, 200).JSON(t); b["balance"] != 1000.0 {
			t.Fatalf("balance = %v", b)
		}
		tx := c.with(first.Access).do("GET", "/api/v1/credits/transactions", nil).want(t, 200).JSON(t)
		list := tx["transactions"].([]any)
		if tx["total"] != 1.0 || tx["limit"] != 50.0 || tx["offset"] != 0.0 || len(list) != 1 {
			t.Fatalf("transactions = %v", tx)
		}
		if e := list[0].(map[string]any); e["transaction_type"] != "bonus" || e["amount"] != 1000.0 || e["description"] != "Welcome bonus credits" {
			t.Fatalf("welcome entry = %v", e)
		}
	})
}

func TestAuthErrors(t *testing.T) {
	s := startServer(t, env{})
	c := s.client(t)
	a := register(t, c, "err@example.com")

	reg := func(body any) *response { return c.do("POST", "/api/v1/auth/register", body) }
	reg(map[string]any{"email": "ERR@example.com", "password": "Another1pass"}).wantError(t, 409, "conflict")
	reg(map[string]any{"email": "new@example.com", "password": "short1"}).wantError(t, 422, "invalid")
	reg(map[string]any{"email": "new@example.com", "password": "alllowercase"}).wantError(t, 422, "invalid")
	reg(map[string]any{"email": "new@example.com", "password": strings.Repeat("a1", 65)}).wantError(t, 422, "invalid")
	reg(map[string]any{"email": "not-an-email", "password": "Passw0rd!"}).wantError(t, 422, "invalid")
	reg(map[string]any{"password": "Passw0rd!"}).wantError(t, 422, "invalid")
	reg(`{"email": "x@example.com",`).wantError(t, 400, "bad_request")
	big := `{"email":"big@example.com","password":"Passw0rd!","full_name":"` + strings.Repeat("x", 1<<20) + `"}`
	reg(big).wantError(t, 413, "request_too_large")
	// Unknown fields are ignored.
	reg(map[string]any{"email": "extra@example.com", "password": "Passw0rd!", "favourite_colour": "teal"}).want(t, 201)
	if m := reg(map[string]any{"email": "new@example.com", "password": "short1"}).JSON(t); len(m["errors"].([]any)) == 0 {
		t.Fatalf("422 without field errors: %v", m)
	}

	wrong := c.do("POST", "/api/v1/auth/login", map[string]any{"email": a.Email, "password": "Wrong-pass1"}).wantError(t, 401, "unauthorized")
	unknown := c.do("POST", "/api/v1/auth/login", map[string]any{"email": "nobody@example.com", "password": "Wrong-pass1"}).wantError(t, 401, "unauthorized")
	if wrong.Str(t, "detail") != "Invalid email or password" || unknown.Str(t, "detail") != "Invalid email or password" {
		t.Fatalf("login failures differ: %s / %s", wrong.Body, unknown.Body)
	}

	for _, token := range []string{"", "garbage", a.Access + "x", a.Refresh} {
		r := c.with(token).do("GET", "/api/v1/auth/me", nil).wantError(t, 401, "unauthorized")
		if r.Header.Get("WWW-Authenticate") != `Bearer realm="api"` {
			t.Fatalf("401 without WWW-Authenticate: %v", r.Header)
		}
	}
	c.do("GET", "/api/v1/auth/me", nil, "Authorization", "Basic Zm9vOmJhcg==").wantError(t, 401, "unauthorized")
	c.do("POST", "/api/v1/auth/logout", nil).wantError(t, 401, "unauthorized")
	c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": "v1.garbage"}).wantError(t, 401, "unauthorized")
	c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": a.Access}).wantError(t, 401, "unauthorized")
	c.do("POST", "/api/v1/auth/refresh", map[string]any{}).wantError(t, 422, "invalid")

	u := c.with(a.Access)
	u.do("PUT", "/api/v1/user/profile", map[string]any{"avatar_url": "http://example.com/a.png"}).wantError(t, 422, "invalid")
	u.do("PUT", "/api/v1/user/profile", map[string]any{"full_name": strings.Repeat("n", 101)}).wantError(t, 422, "invalid")
	u.do("GET", "/api/v1/credits/transactions?limit=0", nil).wantError(t, 422, "invalid")
	u.do("GET", "/api/v1/credits/transactions?limit=101", nil).wantError(t, 422, "invalid")
	u.do("GET", "/api/v1/credits/transactions?offset=-1", nil).wantError(t, 422, "invalid")
	u.do("GET", "/api/v1/credits/transactions?limit=abc", nil).wantError(t, 422, "invalid")
	c.do("GET", "/api/v1/no-such-thing", nil).wantError(t, 404, "not_found")
	c.do("DELETE", "/api/v1/auth/me", nil).wantError(t, 405, "method_not_allowed")
}

func TestParallelRefresh(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		c := startServer(t, e).client(t)
		a := register(t, c, "tabs@example.com")
		const n = 12
		var wg sync.WaitGroup
		results := make([]*response, n)
		for i := range n {
			wg.Go(func() {
				results[i] = c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": a.Refresh})
			})
		}
		wg.Wait()
		var last string
		for i, r := range results {
			if r.Status != 200 {
				t.Fatalf("parallel refresh %d: %d %s", i, r.Status, r.Body)
			}
			last = r.Str(t, "refresh_token")
			c.with(r.Str(t, "access_token")).do("GET", "/api/v1/auth/me", nil).want(t, 200)
		}
		// The session is alive and keeps rotating.
		c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": last}).want(t, 200)
	})
}

func TestRefreshReuseRevokesSession(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		c := startServer(t, e).client(t)
		a := register(t, c, "reuse@example.com")
		t1 := c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": a.Refresh}).want(t, 200).JSON(t)
		t2 := c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": t1["refresh_token"]}).want(t, 200).JSON(t)
		// The original token is two rotations old: reuse, whatever the grace.
		c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": a.Refresh}).wantError(t, 401, "unauthorized")
		c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": t2["refresh_token"]}).wantError(t, 401, "unauthorized")
		for _, access := range []any{a.Access, t1["access_token"], t2["access_token"]} {
			c.with(access.(string)).do("GET", "/api/v1/auth/me", nil).wantError(t, 401, "unauthorized")
		}
		// Logging in again starts a fresh session.
		c.do("POST", "/api/v1/auth/login", map[string]any{"email": a.Email, "password": a.Password}).want(t, 200)
	})
}

func TestRestartKeepsUsersAndTokens(t *testing.T) {
	s := startServer(t, env{})
	c := s.client(t)
	a := register(t, c, "restart@example.com")
	s.Stop(t)

	s2 := startServer(t, env{"VELRO_DATA_DIR": s.DataDir})
	c2 := s2.client(t)
	c2.with(a.Access).do("GET", "/api/v1/auth/me", nil).want(t, 200)
	c2.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": a.Refresh}).want(t, 200)
	c2.do("POST", "/api/v1/auth/login", map[string]any{"email": a.Email, "password": a.Password}).want(t, 200)
}

func TestLoginThrottling(t *testing.T) {
	s := startServer(t, env{})
	c := s.client(t)
	a := register(t, c, "victim@example.com")
	attacker := c.from("127.0.0.2")
	for i := range 10 {
		attacker.do("POST", "/api/v1/auth/login", map[string]any{"email": a.Email, "password": "guess-" + string(rune('a'+i))}).want(t, 401)
	}
	r := attacker.do("POST", "/api/v1/auth/login", map[string]any{"email": a.Email, "password": a.Password}).wantError(t, 429, "rate_limited")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	// The owner, from another client, still gets in.
	c.from("127.0.0.3").do("POST", "/api/v1/auth/login", map[string]any{"email": a.Email, "password": a.Password}).want(t, 200)
}

func TestPublicEndpoints(t *testing.T) {
	s := startServer(t, env{"VELRO_CORS_ORIGINS": "https://app.velro.test"})
	c := s.client(t)
	for _, path := range []string{"/health", "/api/v1/health"} {
		if m := c.do("GET", path, nil).want(t, 200).JSON(t); m["status"] != "healthy" || m["version"] == "" {
			t.Fatalf("%s = %v", path, m)
		}
	}
	ready := c.do("GET", "/health/ready", nil).want(t, 200).JSON(t)
	if ready["status"] != "ready" || ready["dependencies"].(map[string]any)["database"].(map[string]any)["status"] != "up" {
		t.Fatalf("ready = %v", ready)
	}
	openapi := c.do("GET", "/openapi.json", nil).want(t, 200).JSON(t)
	if _, ok := openapi["paths"].(map[string]any)["/api/v1/auth/login"]; !ok {
		t.Fatal("openapi.json lacks /api/v1/auth/login")
	}
	if r := c.do("GET", "/docs", nil).want(t, 200); !strings.Contains(string(r.Body), "<html") {
		t.Fatal("/docs is not an HTML page")
	}
	if r := c.do("GET", "/metrics", nil).want(t, 200); !strings.Contains(string(r.Body), "go_goroutines") ||
		!strings.Contains(string(r.Body), `velro_authz_checks_total{layer="l1",outcome="hit"}`) {
		t.Fatalf("/metrics lacks the runtime or authorization counters:\n%s", r.Body)
	}

	// Request ids are echoed when sane, made up otherwise.
	if got := c.do("GET", "/health", nil, "X-Request-ID", "abc-123").Header.Get("X-Request-ID"); got != "abc-123" {
		t.Fatalf("request id echo = %q", got)
	}
	if got := c.do("GET", "/health", nil, "X-Request-ID", "bad id\twith junk").Header.Get("X-Request-ID"); got == "" || strings.Contains(got, " ") {
		t.Fatalf("insane request id came back as %q", got)
	}
	r := c.do("GET", "/health", nil)
	if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("security headers missing: %v", r.Header)
	}

	// CORS, on errors too.
	pre := c.do("OPTIONS", "/api/v1/auth/login", nil, "Origin", "https://app.velro.test", "Access-Control-Request-Method", "POST")
	if pre.Header.Get("Access-Control-Allow-Origin") != "https://app.velro.test" {
		t.Fatalf("preflight headers: %v", pre.Header)
	}
	bad := c.do("GET", "/api/v1/auth/me", nil, "Origin", "https://app.velro.test").want(t, 401)
	if bad.Header.Get("Access-Control-Allow-Origin") != "https://app.velro.test" {
		t.Fatalf("error without CORS headers: %v", bad.Header)
	}
	if other := c.do("GET", "/health", nil, "Origin", "https://evil.test"); other.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("CORS allowed an unlisted origin")
	}

	// The JWKS verifies an issued token.
	a := register(t, c, "jwks@example.com")
	keys := c.do("GET", "/.well-known/jwks.json", nil).want(t, 200).JSON(t)["keys"].([]any)
	k := keys[0].(map[string]any)
	pub, err := base64.RawURLEncoding.DecodeString(k["x"].(string))
	if err != nil || k["kty"] != "OKP" || k["crv"] != "Ed25519" {
		t.Fatalf("jwk = %v", k)
	}
	parts := strings.Split(a.Access, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	if !ed25519.Verify(ed25519.PublicKey(pub), []byte(parts[0]+"."+parts[1]), sig) {
		t.Fatal("the published key does not verify an access token")
	}
}

// TestLogoutReachesOtherInstances runs two servers on one PostgreSQL and
// Redis: a token verified on B (so B caches the session) is refused by B
// soon after the logout on A.
func TestLogoutReachesOtherInstances(t *testing.T) {
	forEachSharedBackend(t, testLogoutReachesOtherInstances)
}

func testLogoutReachesOtherInstances(t *testing.T, e env) {
	a, b := startServer(t, e).client(t), startServer(t, e).client(t)
	acct := register(t, a, "two@example.com")
	b.with(acct.Access).do("GET", "/api/v1/auth/me", nil).want(t, 200) // warm B's caches
	// A token issued by A is verified by B with the shared key.
	a.with(acct.Access).do("POST", "/api/v1/auth/logout", nil).want(t, 200)
	waitAnswer(t, b.with(acct.Access), "GET", "/api/v1/auth/me", 401)
}

// TestSecuredEndpointsRefuseStrangers walks the OpenAPI document: every
// operation that declares the bearer requirement refuses a caller without
// a token, and one with a revoked token, with 401.
func TestSecuredEndpointsRefuseStrangers(t *testing.T) {
	c := startServer(t, env{}).client(t)
	a := register(t, c, "gone@example.com")
	c.with(a.Access).do("POST", "/api/v1/auth/logout", nil).want(t, 200)
	doc := c.do("GET", "/openapi.json", nil).want(t, 200).JSON(t)
	secured := 0
	for path, item := range doc["paths"].(map[string]any) {
		for method, raw := range item.(map[string]any) {
			op, ok := raw.(map[string]any)
			if !ok || op["security"] == nil {
				continue
			}
			secured++
			concrete := strings.NewReplacer("{id}", "00000000-0000-0000-0000-000000000001",
				"{team_id}", "00000000-0000-0000-0000-000000000002", "{user_id}", "00000000-0000-0000-0000-000000000003").Replace(path)
			for _, who := range []*client{c, c.with(a.Access)} {
				r := who.do(strings.ToUpper(method), concrete, map[string]any{})
				if r.Status != 401 || r.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s %s without a valid token: %d %s", strings.ToUpper(method), path, r.Status, r.Body)
				}
			}
		}
	}
	if secured < 30 {
		t.Fatalf("only %d secured operations in the OpenAPI document", secured)
	}
}
