package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInvitations(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		sink, e := withMail(t, e)
		c := startServer(t, e).client(t)
		owner, editor, bob := register(t, c, "owner@example.com"), register(t, c, "editor@example.com"), register(t, c, "bob@example.com")
		o := c.with(owner.Access)
		team := o.do("POST", "/api/v1/teams", map[string]any{"name": "Studio"}).want(t, 201).Str(t, "id")
		o.do("POST", "/api/v1/teams/"+team+"/members", map[string]any{"email": editor.Email, "role": "editor"}).want(t, 201)
		// The person added is told who added them to which team.
		if m := sink.Next(t, editor.Email, mailTimeout); m.Header.Get("Subject") != "You were added to a team on Velro" ||
			!strings.Contains(m.Text, `account is "owner@example.com"`) || !strings.Contains(m.Text, `Team name: "Studio"`) {
			t.Fatalf("member-added mail %+v", m)
		}
		project := o.do("POST", "/api/v1/projects", map[string]any{"name": "Shared", "visibility": "team-only"}).want(t, 201).Str(t, "id")
		o.do("POST", "/api/v1/projects/"+project+"/teams", map[string]any{"team_id": team, "access_level": "write"}).want(t, 201)
		invitations := "/api/v1/teams/" + team + "/invitations"
		// Only a verified address makes Velro mail others.
		o.do("POST", invitations, map[string]any{"email": "ann@example.com", "role": "editor"}).wantError(t, 403, "email_unverified")
		verify(t, c, sink, owner)

		// The same answer whether or not the address has an account.
		inv := o.do("POST", invitations, map[string]any{"email": "Ann@Example.com", "role": "editor"}).want(t, 201).JSON(t)
		if inv["email"] != "ann@example.com" || inv["status"] != "pending" || inv["team_name"] != "Studio" || inv["invited_by"] != owner.ID ||
			inv["role"] != "editor" || inv["team_id"] != team {
			t.Fatalf("invitation %v", inv)
		}
		o.do("POST", invitations, map[string]any{"email": bob.Email, "role": "viewer"}).want(t, 201)
		o.do("POST", invitations, map[string]any{"email": "ann@example.com", "role": "viewer"}).wantError(t, 409, "conflict")
		o.do("POST", invitations, map[string]any{"email": editor.Email, "role": "viewer"}).wantError(t, 409, "conflict")
		o.do("POST", invitations, map[string]any{"email": "not-an-address", "role": "viewer"}).wantError(t, 422, "invalid")
		o.do("POST", invitations, map[string]any{"email": "x@example.com", "role": "owner"}).wantError(t, 422, "invalid")
		c.with(editor.Access).do("POST", invitations, map[string]any{"email": "y@example.com", "role": "viewer"}).wantError(t, 403, "forbidden")
		c.with(bob.Access).do("POST", invitations, map[string]any{"email": "y@example.com", "role": "viewer"}).wantError(t, 404, "not_found")
		if l := o.do("GET", invitations, nil).want(t, 200).JSON(t); l["total"] != 2.0 {
			t.Fatalf("pending %v", l)
		}
		c.with(editor.Access).do("GET", invitations, nil).wantError(t, 403, "forbidden")

		m := sink.Next(t, "ann@example.com", mailTimeout)
		if strings.Contains(m.Header.Get("Subject"), "Studio") || !strings.Contains(m.Text, `Team name: "Studio"`) || !strings.Contains(m.Text, "as editor") {
			t.Fatalf("invitation mail %+v", m)
		}
		token := linkToken(t, m, "/invitations/")
		shown := c.do("GET", "/api/v1/invitations/"+token, nil).want(t, 200).JSON(t) // public
		if shown["id"] != inv["id"] || shown["status"] != "pending" {
			t.Fatalf("shown %v", shown)
		}
		c.do("GET", "/api/v1/invitations/no-such-token", nil).wantError(t, 404, "not_found")

		// Only the invited address accepts; then it is a member at once.
		c.do("POST", "/api/v1/invitations/"+token+"/accept", nil).wantError(t, 401, "unauthorized")
		c.with(bob.Access).do("POST", "/api/v1/invitations/"+token+"/accept", nil).wantError(t, 403, "forbidden")
		ann := register(t, c, "ann@example.com")
		a := c.with(ann.Access)
		a.do("GET", "/api/v1/projects/"+project, nil).wantError(t, 404, "not_found")
		joined := a.do("POST", "/api/v1/invitations/"+token+"/accept", nil).want(t, 200).JSON(t)
		if joined["id"] != team || len(joined["members"].([]any)) != 3 {
			t.Fatalf("team after accepting %v", joined)
		}
		a.do("PUT", "/api/v1/projects/"+project, map[string]any{"name": "Edited by Ann"}).want(t, 200)
		a.do("POST", "/api/v1/invitations/"+token+"/accept", nil).wantError(t, 409, "conflict")
		a.do("POST", "/api/v1/invitations/"+token+"/decline", nil).wantError(t, 409, "conflict")
		if s := c.do("GET", "/api/v1/invitations/"+token, nil).want(t, 200).JSON(t); s["status"] != "accepted" {
			t.Fatalf("after accepting: %v", s)
		}

		// Bob declines his; a revoked one cannot be accepted.
		bobToken := linkToken(t, sink.Next(t, bob.Email, mailTimeout), "/invitations/")
		if d := c.with(bob.Access).do("POST", "/api/v1/invitations/"+bobToken+"/decline", nil).want(t, 200).JSON(t); d["status"] != "declined" {
			t.Fatalf("declined %v", d)
		}
		carl := register(t, c, "carl@example.com")
		revoked := o.do("POST", invitations, map[string]any{"email": carl.Email, "role": "admin"}).want(t, 201).Str(t, "id")
		carlToken := linkToken(t, sink.Next(t, carl.Email, mailTimeout), "/invitations/")
		c.with(editor.Access).do("DELETE", invitations+"/"+revoked, nil).wantError(t, 403, "forbidden")
		c.with(bob.Access).do("DELETE", invitations+"/"+revoked, nil).wantError(t, 404, "not_found")
		o.do("DELETE", invitations+"/"+revoked, nil).want(t, 200)
		o.do("DELETE", invitations+"/"+revoked, nil).wantError(t, 409, "conflict")
		c.with(carl.Access).do("POST", "/api/v1/invitations/"+carlToken+"/accept", nil).wantError(t, 409, "conflict")
		if l := o.do("GET", invitations, nil).want(t, 200).JSON(t); l["total"] != 0.0 {
			t.Fatalf("pending after the answers %v", l)
		}
	})
}

// TestInvitationAcceptedTwiceAtOnce: two accepts of one invitation at the
// same instant make one membership.
func TestInvitationAcceptedTwiceAtOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		sink, e := withMail(t, e)
		c := startServer(t, e).client(t)
		owner := register(t, c, "owner@example.com")
		verify(t, c, sink, owner)
		team := c.with(owner.Access).do("POST", "/api/v1/teams", map[string]any{"name": "Race"}).want(t, 201).Str(t, "id")
		for round := range 3 {
			guest := register(t, c, "guest"+string(rune('a'+round))+"@example.com")
			c.with(owner.Access).do("POST", "/api/v1/teams/"+team+"/invitations", map[string]any{"email": guest.Email, "role": "viewer"}).want(t, 201)
			token := linkToken(t, sink.Next(t, guest.Email, mailTimeout), "/invitations/")
			statuses := parallel(t, 2, func(int) *response {
				return c.with(guest.Access).do("POST", "/api/v1/invitations/"+token+"/accept", nil)
			})
			if statuses[200] != 1 || statuses[409] != 1 {
				t.Fatalf("round %d: statuses %v, want one 200 and one 409", round, statuses)
			}
		}
		members := c.with(owner.Access).do("GET", "/api/v1/teams/"+team, nil).want(t, 200).JSON(t)["members"].([]any)
		if len(members) != 4 {
			t.Fatalf("%d members, want the owner and three guests once each", len(members))
		}
	})
}

// TestAccountDeletion: the account and everything it owns go, with its
// media; its tokens stop at once; what it shared stops being reachable.
func TestAccountDeletion(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		s := startServer(t, e)
		c := s.client(t)
		gone, member := register(t, c, "gone@example.com"), register(t, c, "member@example.com")
		g := c.with(gone.Access)
		team := g.do("POST", "/api/v1/teams", map[string]any{"name": "Leaving"}).want(t, 201).Str(t, "id")
		g.do("POST", "/api/v1/teams/"+team+"/members", map[string]any{"email": member.Email, "role": "viewer"}).want(t, 201)
		project := g.do("POST", "/api/v1/projects", map[string]any{"name": "Mine", "visibility": "team-only"}).want(t, 201).Str(t, "id")
		g.do("POST", "/api/v1/projects/"+project+"/teams", map[string]any{"team_id": team, "access_level": "read"}).want(t, 201)
		gen := submit(t, g, map[string]any{"model_id": "local/image", "prompt": "to be deleted", "project_id": project})["id"].(string)
		waitStatus(t, g, gen, "completed")
		c.with(member.Access).do("GET", "/api/v1/generations/"+gen, nil).want(t, 200)
		mediaDir := filepath.Join(s.DataDir, "media", "generations", gen)
		if _, err := os.Stat(mediaDir); err != nil {
			t.Fatalf("the generation's media: %v", err)
		}
		up := upload(t, g, "mine.png", pngOf(t, 4, 4), "project_id", project).want(t, 201).Str(t, "id")
		c.with(member.Access).do("GET", "/api/v1/uploads/"+up, nil).want(t, 200)
		uploadURL := g.do("GET", "/api/v1/uploads/"+up+"/url", nil).want(t, 200).Str(t, "url")
		export := g.do("GET", "/api/v1/user/export", nil).want(t, 200).JSON(t)
		if export["profile"].(map[string]any)["email"] != gone.Email || len(export["generations"].([]any)) != 1 || len(export["uploads"].([]any)) != 1 ||
			len(export["projects"].([]any)) != 1 || len(export["teams"].([]any)) != 1 || len(export["transactions"].([]any)) != 2 {
			t.Fatalf("export %v", export)
		}

		g.do("DELETE", "/api/v1/user", map[string]any{"password": "Wrong-pass1"}).wantError(t, 401, "unauthorized")
		g.do("DELETE", "/api/v1/user", map[string]any{"password": gone.Password}).want(t, 200)

		g.do("GET", "/api/v1/auth/me", nil).wantError(t, 401, "unauthorized")
		g.do("POST", "/api/v1/projects", map[string]any{"name": "After"}).wantError(t, 401, "unauthorized")
		c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": gone.Refresh}).wantError(t, 401, "unauthorized")
		c.do("POST", "/api/v1/auth/login", map[string]any{"email": gone.Email, "password": gone.Password}).wantError(t, 401, "unauthorized")
		m := c.with(member.Access)
		m.do("GET", "/api/v1/generations/"+gen, nil).wantError(t, 404, "not_found")
		m.do("GET", "/api/v1/projects/"+project, nil).wantError(t, 404, "not_found")
		m.do("GET", "/api/v1/teams/"+team, nil).wantError(t, 404, "not_found")
		if _, err := os.Stat(mediaDir); !os.IsNotExist(err) {
			t.Fatalf("the generation's media are still there: %v", err)
		}
		m.do("GET", "/api/v1/uploads/"+up, nil).wantError(t, 404, "not_found")
		if code, _ := fetch(t, uploadURL, ""); code != http.StatusGone {
			t.Fatalf("the upload's bytes outlived the account: %d", code)
		}
		// The address is free again.
		register(t, c, gone.Email)
	})
}
