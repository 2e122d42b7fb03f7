package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestAuditLog: each security-relevant action writes its event, with who
// did it, from where, and what changed, and nothing secret; admins read
// the log with filters, nobody else does.
func TestAuditLog(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		s := startServer(t, e)
		c := s.client(t)
		start := time.Now().UTC().Add(-time.Second)
		boss := adminOf(t, c, merge(e, env{"VELRO_DATA_DIR": s.DataDir}), "boss@example.com")
		ada, bob := register(t, c, "ada@example.com"), register(t, c, "bob@example.com")
		a, b, admin := c.with(ada.Access), c.with(bob.Access), c.with(boss.Access)

		// Authentication events.
		c.do("POST", "/api/v1/auth/login", map[string]any{"email": ada.Email, "password": "wrong-Passw0rd"}).want(t, 401)
		c.do("POST", "/api/v1/auth/login", map[string]any{"email": "nobody@example.com", "password": "wrong-Passw0rd"}).want(t, 401)
		login := c.do("POST", "/api/v1/auth/login", map[string]any{"email": ada.Email, "password": ada.Password}, "User-Agent", "audit-test/1.0").want(t, 200).JSON(t)
		r0 := login["refresh_token"].(string)
		r1 := c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": r0}).want(t, 200).JSON(t)["refresh_token"].(string)
		c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": r1}).want(t, 200)
		c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": r0}).want(t, 401) // reuse: the session ends
		c.with(login["access_token"].(string)).do("POST", "/api/v1/auth/logout", nil).want(t, 401)
		second := c.do("POST", "/api/v1/auth/login", map[string]any{"email": ada.Email, "password": ada.Password}).want(t, 200).JSON(t)
		c.with(second["access_token"].(string)).do("POST", "/api/v1/auth/logout", nil).want(t, 200)

		// Access and money events.
		team := a.do("POST", "/api/v1/teams", map[string]any{"name": "Studio"}).want(t, 201).Str(t, "id")
		a.do("POST", "/api/v1/teams/"+team+"/members", map[string]any{"email": bob.Email, "role": "viewer"}).want(t, 201)
		a.do("PATCH", "/api/v1/teams/"+team+"/members/"+bob.ID, map[string]any{"role": "editor"}).want(t, 200)
		project := a.do("POST", "/api/v1/projects", map[string]any{"name": "P", "visibility": "team-only"}).want(t, 201).Str(t, "id")
		a.do("POST", "/api/v1/projects/"+project+"/teams", map[string]any{"team_id": team, "access_level": "write"}).want(t, 201)
		a.do("PUT", "/api/v1/projects/"+project, map[string]any{"visibility": "public"}).want(t, 200)
		a.do("DELETE", "/api/v1/projects/"+project+"/teams/"+team, nil).want(t, 200)
		a.do("DELETE", "/api/v1/teams/"+team+"/members/"+bob.ID, nil).want(t, 200)
		a.do("DELETE", "/api/v1/projects/"+project, nil).want(t, 200)
		a.do("DELETE", "/api/v1/teams/"+team, nil).want(t, 200)
		admin.do("POST", "/api/v1/admin/credits/grant", map[string]any{"email": ada.Email, "amount": 50}).want(t, 201)

		// Only admins read the log.
		b.do("GET", "/api/v1/admin/audit", nil).wantError(t, 403, "forbidden")
		c.do("GET", "/api/v1/admin/audit", nil).wantError(t, 401, "unauthorized")
		admin.do("GET", "/api/v1/admin/audit?actor_id=nope", nil).wantError(t, 422, "invalid")
		admin.do("GET", "/api/v1/admin/audit?since=yesterday", nil).wantError(t, 422, "invalid")

		events := func(query string) []map[string]any {
			t.Helper()
			page := admin.do("GET", "/api/v1/admin/audit?limit=100&"+query, nil).want(t, 200).JSON(t)
			var out []map[string]any
			for _, ev := range page["events"].([]any) {
				out = append(out, ev.(map[string]any))
			}
			if page["total"] != float64(len(out)) {
				t.Fatalf("%s: total %v, %d events", query, page["total"], len(out))
			}
			return out
		}
		find := func(list []map[string]any, action string) map[string]any {
			t.Helper()
			for _, ev := range list {
				if ev["action"] == action {
					return ev
				}
			}
			t.Fatalf("no %s event among %d", action, len(list))
			return nil
		}
		byAda := events("actor_id=" + ada.ID)
		for _, action := range []string{"user.registered", "auth.login", "auth.logout", "team.member_added", "team.member_role_changed",
			"team.member_removed", "team.deleted", "project.shared", "project.unshared", "project.visibility_changed", "project.deleted"} {
			if ev := find(byAda, action); ev["ip"] != "127.0.0.1" {
				t.Errorf("%s: ip %v", action, ev["ip"])
			}
		}
		if ev := find(byAda, "auth.login"); ev["target_type"] != "session" {
			t.Errorf("login event %v", ev)
		}
		agents := map[any]bool{}
		for _, ev := range events("action=auth.login") {
			agents[ev["user_agent"]] = true
		}
		if !agents["audit-test/1.0"] {
			t.Errorf("no login event carries the client's user agent: %v", agents)
		}
		if ev := find(byAda, "project.shared"); ev["target_id"] != project || ev["details"].(map[string]any)["team_id"] != team ||
			ev["details"].(map[string]any)["access_level"] != "write" {
			t.Errorf("share event %v", ev)
		}
		if ev := find(byAda, "team.member_role_changed"); ev["target_id"] != team || ev["details"].(map[string]any)["user_id"] != bob.ID ||
			ev["details"].(map[string]any)["role"] != "editor" {
			t.Errorf("role change event %v", ev)
		}
		if ev := find(events("action=credits.granted"), "credits.granted"); ev["actor_id"] != boss.ID || ev["target_id"] != ada.ID ||
			ev["details"].(map[string]any)["amount"] != 50.0 {
			t.Errorf("grant event %v", ev)
		}
		if failed := events("action=auth.login_failed"); len(failed) != 2 || failed[1]["target_id"] != ada.ID || failed[0]["target_id"] != nil {
			t.Errorf("failed logins %v", failed)
		}
		if reuse := events("action=auth.refresh_reuse"); len(reuse) != 1 || reuse[0]["details"].(map[string]any)["user_id"] != ada.ID {
			t.Errorf("refresh reuse %v", reuse)
		}
		if about := events("target_id=" + project); len(about) != 4 {
			t.Errorf("events about the project: %d", len(about))
		}
		if n := len(events("since=" + start.Format(time.RFC3339Nano))); n < 15 {
			t.Errorf("only %d events since the test started", n)
		}
		if n := len(events("until=" + start.Format(time.RFC3339Nano))); n != 0 {
			t.Errorf("%d events before the test started", n)
		}

		// Nothing secret is kept.
		raw, _ := json.Marshal(events(""))
		for _, secret := range []string{ada.Password, ada.Access, ada.Refresh, r0, r1, login["access_token"].(string), "argon2id", "wrong-Passw0rd"} {
			if strings.Contains(string(raw), secret) {
				t.Fatalf("the audit log holds a secret: %.40s...", secret)
			}
		}
	})
}

// TestAccountEventsAudited: the account, admin and invitation events are
// in the audit log, with their actor.
func TestAccountEventsAudited(t *testing.T) {
	sink, e := withMail(t, env{})
	s := startServer(t, e)
	e["VELRO_DATA_DIR"] = s.DataDir
	c := s.client(t)
	boss := adminOf(t, c, e, "boss@example.com")
	ada, bob := register(t, c, "ada@example.com"), register(t, c, "bob@example.com")
	a, admin := c.with(ada.Access), c.with(boss.Access)

	a.do("POST", "/api/v1/auth/password", map[string]any{"current_password": ada.Password, "new_password": "N3w-password"}).want(t, 200)
	a.do("POST", "/api/v1/auth/verify/send", nil).want(t, 202)
	c.do("POST", "/api/v1/auth/verify", map[string]any{"token": linkToken(t, sink.Next(t, ada.Email, mailTimeout), "/verify-email?token=")}).want(t, 200)
	c.do("POST", "/api/v1/auth/password/forgot", map[string]any{"email": ada.Email}).want(t, 202)
	reset := linkToken(t, sink.Next(t, ada.Email, mailTimeout), "/reset-password?token=")
	c.do("POST", "/api/v1/auth/password/reset", map[string]any{"token": reset, "new_password": "Newer-pass1"}).want(t, 200)
	admin.do("PATCH", "/api/v1/admin/users/"+bob.ID, map[string]any{"disabled": true, "role": "admin"}).want(t, 200)
	admin.do("PATCH", "/api/v1/admin/users/"+bob.ID, map[string]any{"disabled": false}).want(t, 200)
	team := admin.do("POST", "/api/v1/teams", map[string]any{"name": "T"}).want(t, 201).Str(t, "id")
	inv := admin.do("POST", "/api/v1/teams/"+team+"/invitations", map[string]any{"email": ada.Email, "role": "viewer"}).want(t, 201).Str(t, "id")
	ada2 := c.do("POST", "/api/v1/auth/login", map[string]any{"email": ada.Email, "password": "Newer-pass1"}).want(t, 200).Str(t, "access_token")
	c.with(ada2).do("POST", "/api/v1/invitations/"+linkToken(t, sink.Next(t, ada.Email, mailTimeout), "/invitations/")+"/accept", nil).want(t, 200)
	other := admin.do("POST", "/api/v1/teams/"+team+"/invitations", map[string]any{"email": "x@example.com", "role": "viewer"}).want(t, 201).Str(t, "id")
	admin.do("DELETE", "/api/v1/teams/"+team+"/invitations/"+other, nil).want(t, 200)
	c.with(ada2).do("DELETE", "/api/v1/user", map[string]any{"password": "Newer-pass1"}).want(t, 200)

	page := admin.do("GET", "/api/v1/admin/audit?limit=100", nil).want(t, 200).JSON(t)
	seen := map[string]map[string]any{}
	for _, raw := range page["events"].([]any) {
		ev := raw.(map[string]any)
		seen[ev["action"].(string)+" "+ev["target_id"].(string)] = ev
	}
	for _, want := range []struct{ action, target, actor string }{
		{"auth.password_changed", ada.ID, ada.ID},
		{"user.email_verified", ada.ID, ada.ID},
		{"auth.password_reset", ada.ID, ada.ID},
		{"user.role_changed", boss.ID, ""}, // the CLI: no actor
		{"user.role_changed", bob.ID, boss.ID},
		{"user.disabled", bob.ID, boss.ID},
		{"user.enabled", bob.ID, boss.ID},
		{"invitation.created", inv, boss.ID},
		{"invitation.accepted", inv, ada.ID},
		{"invitation.revoked", other, boss.ID},
		{"user.deleted", ada.ID, ada.ID},
	} {
		ev := seen[want.action+" "+want.target]
		if ev == nil {
			t.Errorf("no %s event about %s", want.action, want.target)
			continue
		}
		if actor, _ := ev["actor_id"].(string); actor != want.actor {
			t.Errorf("%s: actor %v, want %q", want.action, ev["actor_id"], want.actor)
		}
	}
	raw, _ := json.Marshal(page)
	if strings.Contains(string(raw), reset) {
		t.Fatal("the audit log holds a reset token")
	}
}
