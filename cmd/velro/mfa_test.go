package main

import (
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// codeAt is the TOTP code of secret for the step that holds at t.
func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// wrongCode is a code valid in no step around now.
func wrongCode(t *testing.T, secret string) string {
	now := time.Now()
	for _, c := range []string{"000000", "111111", "222222"} {
		if c != codeAt(t, secret, now.Add(-30*time.Second)) && c != codeAt(t, secret, now) && c != codeAt(t, secret, now.Add(30*time.Second)) {
			return c
		}
	}
	t.Fatal("no wrong code")
	return ""
}

// enableMFA turns TOTP on for a (signed in moments ago) with the code of
// the current step and returns the secret and the recovery codes.
func enableMFA(t *testing.T, c *client, a account) (string, []string) {
	t.Helper()
	secret := c.with(a.Access).do("POST", "/api/v1/auth/mfa/totp", map[string]any{}).want(t, 201).Str(t, "secret")
	out := c.with(a.Access).do("POST", "/api/v1/auth/mfa/totp/confirm", map[string]any{"code": codeAt(t, secret, time.Now())}).want(t, 200).JSON(t)
	var codes []string
	for _, r := range out["recovery_codes"].([]any) {
		codes = append(codes, r.(string))
	}
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes", len(codes))
	}
	return secret, codes
}

// mfaToken logs a in and returns the MFA step's token.
func mfaToken(t *testing.T, c *client, a account) string {
	t.Helper()
	m := c.do("POST", "/api/v1/auth/login", map[string]any{"email": a.Email, "password": a.Password}).want(t, 200).JSON(t)
	if m["mfa_required"] != true || m["access_token"] != nil || m["mfa_token"] == "" || len(m["methods"].([]any)) != 2 {
		t.Fatalf("login of an MFA account = %v", m)
	}
	return m["mfa_token"].(string)
}

// TestTOTP: an account turns TOTP on (recovery codes shown once); login
// then answers the MFA step, passed with a later code or a recovery code,
// never a code or recovery code twice, even at the same instant; the
// session records mfa; wrong codes kill a challenge after 5 and throttle
// the account after 10; turning it off takes the password and a fresh
// code; an old session adds a factor only with the password; with
// VELRO_ADMIN_MFA=required an admin acts only from an MFA session.
func TestTOTP(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		e["VELRO_ADMIN_MFA"], e["VELRO_DATA_DIR"] = "required", t.TempDir()
		s := startServer(t, e)
		c := s.client(t)
		db := serverDB(t, s, e)

		ann := register(t, c, "ann@example.com")
		bob := register(t, c, "bob@example.com")
		c.with(bob.Access).do("POST", "/api/v1/auth/mfa/totp/confirm", map[string]any{"code": "123456"}).wantError(t, 404, "not_found")
		c.do("POST", "/api/v1/auth/mfa/totp", map[string]any{}).wantError(t, 401, "unauthorized")
		secret := c.with(ann.Access).do("POST", "/api/v1/auth/mfa/totp", map[string]any{}).want(t, 201).Str(t, "secret")
		c.with(ann.Access).do("POST", "/api/v1/auth/mfa/totp/confirm", map[string]any{"code": wrongCode(t, secret)}).wantError(t, 422, "invalid")
		now := time.Now()
		confirmCode := codeAt(t, secret, now)
		out := c.with(ann.Access).do("POST", "/api/v1/auth/mfa/totp/confirm", map[string]any{"code": confirmCode}).want(t, 200).JSON(t)
		recovery := out["recovery_codes"].([]any)
		if len(recovery) != 10 {
			t.Fatalf("recovery codes %v", out)
		}
		if me := c.with(ann.Access).do("GET", "/api/v1/auth/me", nil).want(t, 200).JSON(t); me["mfa_enabled"] != true {
			t.Fatalf("me = %v", me)
		}
		c.with(ann.Access).do("POST", "/api/v1/auth/mfa/totp", map[string]any{}).wantError(t, 409, "conflict")

		// The confirming code is spent; a wrong one fails; the next
		// step's passes once, whichever of two challenges presents it first.
		first := mfaToken(t, c, ann)
		c.do("POST", "/api/v1/auth/mfa/verify", map[string]any{"mfa_token": first, "code": confirmCode}).wantError(t, 401, "unauthorized")
		c.do("POST", "/api/v1/auth/mfa/verify", map[string]any{"mfa_token": first, "code": wrongCode(t, secret)}).wantError(t, 401, "unauthorized")
		second := mfaToken(t, c, ann)
		next := codeAt(t, secret, now.Add(30*time.Second))
		tokens := []string{first, second}
		statuses := parallel(t, 2, func(i int) *response {
			return c.do("POST", "/api/v1/auth/mfa/verify", map[string]any{"mfa_token": tokens[i], "code": next})
		})
		if statuses[200] != 1 || statuses[401] != 1 {
			t.Fatalf("one code at once on two challenges: %v", statuses)
		}
		// One recovery code at once on two challenges: once.
		tokens = []string{mfaToken(t, c, ann), mfaToken(t, c, ann)}
		var signedIn []string
		statuses = parallel(t, 2, func(i int) *response {
			r := c.do("POST", "/api/v1/auth/mfa/verify", map[string]any{"mfa_token": tokens[i], "recovery_code": recovery[0]})
			if r.Status == 200 {
				signedIn = append(signedIn, r.Str(t, "access_token"))
			}
			return r
		})
		if statuses[200] != 1 || statuses[401] != 1 {
			t.Fatalf("one recovery code at once on two challenges: %v", statuses)
		}
		list, _ := sessionsOf(t, c.with(signedIn[0]))
		mfaSessions := 0
		for _, sess := range list {
			if sess["mfa"] == true {
				mfaSessions++
			}
		}
		if mfaSessions != 2 {
			t.Fatalf("%d sessions with mfa, want the two verified: %v", mfaSessions, list)
		}
		c.do("POST", "/api/v1/auth/mfa/verify", map[string]any{"mfa_token": "mfa_forged", "code": next}).wantError(t, 401, "unauthorized")
		c.do("POST", "/api/v1/auth/mfa/verify", map[string]any{"mfa_token": first}).wantError(t, 422, "invalid")

		// Admin endpoints want a session that passed a second factor.
		velroUsers(t, e, "set-role", ann.Email, "admin")
		c.with(ann.Access).do("GET", "/api/v1/admin/users", nil).wantError(t, 403, "mfa_required")
		c.with(signedIn[0]).do("GET", "/api/v1/admin/users", nil).want(t, 200)

		// Five wrong codes kill a challenge; ten throttle the account,
		// even with a right code on a fresh challenge.
		carl := register(t, c, "carl@example.com")
		carlSecret, _ := enableMFA(t, c, carl)
		bad := wrongCode(t, carlSecret)
		tired := mfaToken(t, c, carl)
		for range 5 {
			c.do("POST", "/api/v1/auth/mfa/verify", map[string]any{"mfa_token": tired, "code": bad}).wantError(t, 401, "unauthorized")
		}
		c.do("POST", "/api/v1/auth/mfa/verify", map[string]any{"mfa_token": tired, "code": codeAt(t, carlSecret, time.Now().Add(30*time.Second))}).wantError(t, 401, "unauthorized")
		more := mfaToken(t, c, carl)
		for range 5 {
			c.do("POST", "/api/v1/auth/mfa/verify", map[string]any{"mfa_token": more, "code": bad}).wantError(t, 401, "unauthorized")
		}
		fresh := mfaToken(t, c, carl)
		c.do("POST", "/api/v1/auth/mfa/verify", map[string]any{"mfa_token": fresh, "code": codeAt(t, carlSecret, time.Now().Add(30*time.Second))}).
			wantError(t, 429, "rate_limited")

		// Turning it off: the password and a code not used before.
		dora := register(t, c, "dora@example.com")
		doraSecret, _ := enableMFA(t, c, dora)
		later := codeAt(t, doraSecret, time.Now().Add(30*time.Second))
		c.with(dora.Access).do("DELETE", "/api/v1/auth/mfa/totp", map[string]any{"password": "wrong-Passw0rd", "code": later}).wantError(t, 401, "unauthorized")
		c.with(dora.Access).do("DELETE", "/api/v1/auth/mfa/totp", map[string]any{"password": dora.Password, "code": codeAt(t, doraSecret, time.Now())}).
			wantError(t, 422, "invalid")
		c.with(bob.Access).do("DELETE", "/api/v1/auth/mfa/totp", map[string]any{"password": bob.Password, "code": later}).wantError(t, 404, "not_found")
		c.with(dora.Access).do("DELETE", "/api/v1/auth/mfa/totp", map[string]any{"password": dora.Password, "code": later}).want(t, 200)
		login(t, c, dora, "After/1") // tokens again, no MFA step

		// A session older than 10 minutes adds a factor only with the
		// password.
		erin := register(t, c, "erin@example.com")
		ageSession(t, db, erin, 11*time.Minute, time.Minute)
		c.with(erin.Access).do("POST", "/api/v1/auth/mfa/totp", map[string]any{}).wantError(t, 403, "reauthentication_required")
		c.with(erin.Access).do("POST", "/api/v1/auth/mfa/totp", map[string]any{"password": "wrong-Passw0rd"}).wantError(t, 401, "unauthorized")
		c.with(erin.Access).do("POST", "/api/v1/auth/mfa/totp", map[string]any{"password": erin.Password}).want(t, 201)
	})
}
