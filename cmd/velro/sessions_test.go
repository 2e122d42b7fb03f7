package main

import (
	"testing"
)

// login signs email in from c with the user agent and returns the
// session's tokens.
func login(t *testing.T, c *client, a account, agent string) account {
	t.Helper()
	m := c.do("POST", "/api/v1/auth/login", map[string]any{"email": a.Email, "password": a.Password}, "User-Agent", agent).want(t, 200).JSON(t)
	a.Access, a.Refresh = m["access_token"].(string), m["refresh_token"].(string)
	return a
}

// sessionsOf lists the caller's sessions, by id.
func sessionsOf(t *testing.T, c *client) (map[string]map[string]any, map[string]any) {
	t.Helper()
	body := c.do("GET", "/api/v1/auth/sessions", nil).want(t, 200).JSON(t)
	byID := map[string]map[string]any{}
	for _, s := range body["sessions"].([]any) {
		s := s.(map[string]any)
		byID[s["id"].(string)] = s
	}
	return byID, body
}

// TestSessions: an account lists its sessions with how, when and where
// each began, the current one marked; it ends one (its access and refresh
// tokens die at once) or all others; another account's session is 404 to
// it and lives on; two ends of one session at the same instant: one 200,
// one 404.
func TestSessions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		s := startServer(t, e)
		c := s.client(t)
		ann := register(t, c, "ann@example.com")
		phone := login(t, c.from("127.0.0.2"), ann, "Phone/1.0")
		laptop := login(t, c, ann, "Laptop/2.0")
		bob := register(t, c, "bob@example.com")

		list, body := sessionsOf(t, c.with(laptop.Access))
		if len(list) != 3 || body["total"] != 3.0 || body["limit"] != 50.0 || body["offset"] != 0.0 {
			t.Fatalf("ann's sessions: %s", c.with(laptop.Access).do("GET", "/api/v1/auth/sessions", nil).Body)
		}
		var phoneID, laptopID, firstID string
		for id, sess := range list {
			switch sess["user_agent"] {
			case "Phone/1.0":
				phoneID = id
				if sess["ip"] != "127.0.0.2" {
					t.Errorf("the phone's session began at %v", sess["ip"])
				}
			case "Laptop/2.0":
				laptopID = id
			default:
				firstID = id
			}
			if sess["method"] != "password" || sess["mfa"] != false || sess["created_at"] == "" || sess["refreshed_at"] == "" ||
				sess["current"] != (sess["user_agent"] == "Laptop/2.0") {
				t.Errorf("session %v", sess)
			}
		}
		if phoneID == "" || laptopID == "" || firstID == "" {
			t.Fatalf("sessions %v", list)
		}
		c.with(ann.Access).do("GET", "/api/v1/auth/sessions?limit=1&offset=1", nil).want(t, 200)
		c.with(ann.Access).do("GET", "/api/v1/auth/sessions?limit=0", nil).want(t, 422)

		// Bob neither sees nor ends Ann's sessions.
		if bobs, _ := sessionsOf(t, c.with(bob.Access)); len(bobs) != 1 {
			t.Fatalf("bob sees %d sessions", len(bobs))
		}
		c.with(bob.Access).do("DELETE", "/api/v1/auth/sessions/"+phoneID, nil).wantError(t, 404, "not_found")
		c.with(phone.Access).do("GET", "/api/v1/auth/me", nil).want(t, 200)
		c.with(bob.Access).do("DELETE", "/api/v1/auth/sessions/not-a-uuid", nil).want(t, 422)
		c.do("GET", "/api/v1/auth/sessions", nil).wantError(t, 401, "unauthorized")

		// Ending the phone's: both its tokens die, the others live.
		statuses := parallel(t, 2, func(int) *response {
			return c.with(laptop.Access).do("DELETE", "/api/v1/auth/sessions/"+phoneID, nil)
		})
		if statuses[200] != 1 || statuses[404] != 1 {
			t.Fatalf("two ends of one session at once: %v", statuses)
		}
		c.with(phone.Access).do("GET", "/api/v1/auth/me", nil).wantError(t, 401, "unauthorized")
		c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": phone.Refresh}).wantError(t, 401, "unauthorized")
		c.with(ann.Access).do("GET", "/api/v1/auth/me", nil).want(t, 200)

		// Ending all others: the first session dies, this one lives.
		out := c.with(laptop.Access).do("POST", "/api/v1/auth/sessions/revoke-others", nil).want(t, 200).JSON(t)
		if out["ended"] != 1.0 {
			t.Fatalf("revoke-others = %v", out)
		}
		c.with(ann.Access).do("GET", "/api/v1/auth/me", nil).wantError(t, 401, "unauthorized")
		c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": ann.Refresh}).wantError(t, 401, "unauthorized")
		c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": laptop.Refresh}).want(t, 200)
		if left, _ := sessionsOf(t, c.with(laptop.Access)); len(left) != 1 || left[laptopID] == nil {
			t.Fatalf("left: %v", left)
		}
		c.with(bob.Access).do("GET", "/api/v1/auth/me", nil).want(t, 200)
	})
}

// TestEndedSessionsDieOnEveryInstance: sessions ended on A are refused by
// B (which had cached them) within the revocation promise.
func TestEndedSessionsDieOnEveryInstance(t *testing.T) {
	e := backends()[1].env(t)
	a, b := startServer(t, e).client(t), startServer(t, e).client(t)
	acct := register(t, a, "many@example.com")
	other, third := login(t, a, acct, "Other/1"), login(t, a, acct, "Third/1")
	b.with(other.Access).do("GET", "/api/v1/auth/me", nil).want(t, 200) // warm B's caches
	b.with(third.Access).do("GET", "/api/v1/auth/me", nil).want(t, 200)
	list, _ := sessionsOf(t, a.with(acct.Access))
	for id, sess := range list {
		if sess["user_agent"] == "Other/1" {
			a.with(acct.Access).do("DELETE", "/api/v1/auth/sessions/"+id, nil).want(t, 200)
		}
	}
	waitAnswer(t, b.with(other.Access), "GET", "/api/v1/auth/me", 401)
	a.with(acct.Access).do("POST", "/api/v1/auth/sessions/revoke-others", nil).want(t, 200)
	waitAnswer(t, b.with(third.Access), "GET", "/api/v1/auth/me", 401)
	b.with(acct.Access).do("GET", "/api/v1/auth/me", nil).want(t, 200)
}
