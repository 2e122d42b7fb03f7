package main

import (
	"strings"
	"testing"
)

func TestProjectsAPI(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		s := startServer(t, e)
		c := s.client(t)
		ada, bob := register(t, c, "ada@example.com"), register(t, c, "bob@example.com")
		a, b := c.with(ada.Access), c.with(bob.Access)

		p := a.do("POST", "/api/v1/projects", map[string]any{"name": " Moodboard ", "description": "Ideas", "tags": []string{"fox"},
			"metadata": map[string]any{"palette": "warm"}, "unknown_field": 1}).want(t, 201).JSON(t)
		if p["name"] != "Moodboard" || p["visibility"] != "private" || p["user_id"] != ada.ID || p["generation_count"] != 0.0 ||
			p["metadata"].(map[string]any)["palette"] != "warm" || len(p["tags"].([]any)) != 1 {
			t.Fatalf("created %v", p)
		}
		id := p["id"].(string)
		a.do("POST", "/api/v1/projects", map[string]any{"name": "Public wall", "visibility": "public"}).want(t, 201)

		// Validation.
		for _, bad := range []map[string]any{
			{"name": ""}, {"name": "   "}, {"name": strings.Repeat("n", 101)}, {"name": "n", "description": strings.Repeat("d", 501)},
			{"name": "n", "visibility": "secret"}, {"name": "n", "tags": make([]string, 11)}, {"name": "n", "tags": []string{strings.Repeat("t", 51)}},
			{"name": "n", "metadata": "not an object"}, {"name": "n", "metadata": map[string]any{"blob": strings.Repeat("m", 16<<10)}},
		} {
			a.do("POST", "/api/v1/projects", bad).wantError(t, 422, "invalid")
		}
		a.do("GET", "/api/v1/projects/not-a-uuid", nil).wantError(t, 422, "invalid")
		a.do("GET", "/api/v1/projects/00000000-0000-0000-0000-000000000000", nil).wantError(t, 404, "not_found")
		c.do("GET", "/api/v1/projects", nil).wantError(t, 401, "unauthorized")

		// Listing: newest first, filter, pagination; bob sees only the public one.
		list := a.do("GET", "/api/v1/projects", nil).want(t, 200).JSON(t)
		if list["total"] != 2.0 || list["projects"].([]any)[0].(map[string]any)["name"] != "Public wall" {
			t.Fatalf("ada's list %v", list)
		}
		if l := a.do("GET", "/api/v1/projects?visibility=private", nil).want(t, 200).JSON(t); l["total"] != 1.0 {
			t.Fatalf("private filter %v", l)
		}
		if l := a.do("GET", "/api/v1/projects?limit=1&offset=1", nil).want(t, 200).JSON(t); len(l["projects"].([]any)) != 1 || l["limit"] != 1.0 || l["offset"] != 1.0 {
			t.Fatalf("page %v", l)
		}
		a.do("GET", "/api/v1/projects?visibility=hidden", nil).wantError(t, 422, "invalid")
		if l := b.do("GET", "/api/v1/projects", nil).want(t, 200).JSON(t); l["total"] != 1.0 {
			t.Fatalf("bob's list %v", l)
		}
		b.do("GET", "/api/v1/projects/"+id, nil).wantError(t, 404, "not_found")

		// Partial update keeps the rest.
		u := a.do("PUT", "/api/v1/projects/"+id, map[string]any{"description": "More ideas"}).want(t, 200).JSON(t)
		if u["name"] != "Moodboard" || u["description"] != "More ideas" || len(u["tags"].([]any)) != 1 {
			t.Fatalf("updated %v", u)
		}
		a.do("PUT", "/api/v1/projects/"+id, map[string]any{"name": ""}).wantError(t, 422, "invalid")
		a.do("PUT", "/api/v1/projects/"+id, map[string]any{"metadata": map[string]any{"blob": strings.Repeat("m", 16<<10)}}).wantError(t, 422, "invalid")
		a.do("PUT", "/api/v1/projects/"+id, map[string]any{"metadata": map[string]any{"blob": strings.Repeat("m", 16<<10-20)}}).want(t, 200)

		// Share with a team bob is in: bob can read, not change.
		team := a.do("POST", "/api/v1/teams", map[string]any{"name": "Studio"}).want(t, 201).JSON(t)
		teamID := team["id"].(string)
		a.do("POST", "/api/v1/teams/"+teamID+"/members", map[string]any{"email": bob.Email, "role": "editor"}).want(t, 201)
		// Shared while private: accepted, but said to have no effect yet.
		if sh := a.do("POST", "/api/v1/projects/"+id+"/teams", map[string]any{"team_id": teamID, "access_level": "read"}).want(t, 201).JSON(t); sh["effective"] != false ||
			!strings.Contains(sh["detail"].(string), "private") {
			t.Fatalf("share of a private project %v", sh)
		}
		b.do("GET", "/api/v1/projects/"+id, nil).wantError(t, 404, "not_found")
		a.do("PUT", "/api/v1/projects/"+id, map[string]any{"visibility": "team-only"}).want(t, 200)
		if sh := a.do("POST", "/api/v1/projects/"+id+"/teams", map[string]any{"team_id": teamID, "access_level": "read"}).want(t, 201).JSON(t); sh["effective"] != true ||
			sh["team_id"] != teamID || sh["access_level"] != "read" {
			t.Fatalf("share %v", sh)
		}
		b.do("GET", "/api/v1/projects/"+id, nil).want(t, 200)
		// Readers list the shares and see the stats.
		if sh := b.do("GET", "/api/v1/projects/"+id+"/teams", nil).want(t, 200).JSON(t); sh["total"] != 1.0 ||
			sh["shares"].([]any)[0].(map[string]any)["team_name"] != "Studio" {
			t.Fatalf("shares %v", sh)
		}
		a.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/image", "prompt": "in the project", "project_id": id}).want(t, 201)
		a.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/video", "prompt": "in the project", "project_id": id}).want(t, 201)
		st := b.do("GET", "/api/v1/projects/"+id+"/stats", nil).want(t, 200).JSON(t)
		if st["generation_count"] != 2.0 || st["total_credits_used"] != 25.0 || st["last_generation_at"] == nil ||
			st["by_type"].(map[string]any)["video"] != 1.0 || st["by_model"].(map[string]any)["local/image"] != 1.0 {
			t.Fatalf("project stats %v", st)
		}
		if gs := a.do("GET", "/api/v1/generations/stats", nil).want(t, 200).JSON(t); gs["by_type"].(map[string]any)["image"] != 1.0 ||
			gs["by_model"].(map[string]any)["local/video"] != 1.0 {
			t.Fatalf("generation stats %v", gs)
		}
		b.do("PUT", "/api/v1/projects/"+id, map[string]any{"name": "Mine"}).wantError(t, 403, "forbidden")
		// Raising the share lets bob edit (the lower of editor and write).
		a.do("POST", "/api/v1/projects/"+id+"/teams", map[string]any{"team_id": teamID, "access_level": "write"}).want(t, 201)
		b.do("PUT", "/api/v1/projects/"+id, map[string]any{"name": "Ours"}).want(t, 200)
		b.do("PUT", "/api/v1/projects/"+id, map[string]any{"visibility": "public"}).wantError(t, 403, "forbidden")
		a.do("POST", "/api/v1/projects/"+id+"/teams", map[string]any{"team_id": "nope", "access_level": "read"}).wantError(t, 422, "invalid")
		a.do("POST", "/api/v1/projects/"+id+"/teams", map[string]any{"team_id": teamID, "access_level": "owner"}).wantError(t, 422, "invalid")
		// Unshare: bob loses the project on the very next request.
		a.do("DELETE", "/api/v1/projects/"+id+"/teams/"+teamID, nil).want(t, 200)
		b.do("GET", "/api/v1/projects/"+id, nil).wantError(t, 404, "not_found")
		a.do("DELETE", "/api/v1/projects/"+id+"/teams/"+teamID, nil).wantError(t, 404, "not_found")

		a.do("DELETE", "/api/v1/projects/"+id, nil).want(t, 200)
		a.do("GET", "/api/v1/projects/"+id, nil).wantError(t, 404, "not_found")
	})
}

func TestTeamsAPI(t *testing.T) {
	s := startServer(t, env{})
	c := s.client(t)
	ada, bob, cy := register(t, c, "ada@example.com"), register(t, c, "bob@example.com"), register(t, c, "cy@example.com")
	a, b, y := c.with(ada.Access), c.with(bob.Access), c.with(cy.Access)

	team := a.do("POST", "/api/v1/teams", map[string]any{"name": "Studio", "description": "The crew"}).want(t, 201).JSON(t)
	id := team["id"].(string)
	members := team["members"].([]any)
	if team["owner_id"] != ada.ID || len(members) != 1 || members[0].(map[string]any)["role"] != "owner" {
		t.Fatalf("created %v", team)
	}
	a.do("POST", "/api/v1/teams", map[string]any{"name": " "}).wantError(t, 422, "invalid")
	a.do("POST", "/api/v1/teams/"+id+"/members", map[string]any{"email": "nobody@example.com", "role": "viewer"}).wantError(t, 404, "not_found")
	a.do("POST", "/api/v1/teams/"+id+"/members", map[string]any{"email": bob.Email, "role": "owner"}).wantError(t, 422, "invalid")
	got := a.do("POST", "/api/v1/teams/"+id+"/members", map[string]any{"email": bob.Email, "role": "admin"}).want(t, 201).JSON(t)
	if len(got["members"].([]any)) != 2 {
		t.Fatalf("after add %v", got)
	}
	a.do("POST", "/api/v1/teams/"+id+"/members", map[string]any{"email": bob.Email, "role": "viewer"}).wantError(t, 409, "conflict")

	// Admins add editors and viewers, not admins; they cannot touch the owner.
	b.do("POST", "/api/v1/teams/"+id+"/members", map[string]any{"email": cy.Email, "role": "admin"}).wantError(t, 403, "forbidden")
	b.do("POST", "/api/v1/teams/"+id+"/members", map[string]any{"email": cy.Email, "role": "viewer"}).want(t, 201)
	b.do("PATCH", "/api/v1/teams/"+id+"/members/"+ada.ID, map[string]any{"role": "viewer"}).wantError(t, 403, "forbidden")
	b.do("PATCH", "/api/v1/teams/"+id+"/members/"+cy.ID, map[string]any{"role": "editor"}).want(t, 200)
	y.do("GET", "/api/v1/teams/"+id, nil).want(t, 200)
	y.do("PUT", "/api/v1/teams/"+id, map[string]any{"name": "Mine"}).wantError(t, 403, "forbidden")
	b.do("PUT", "/api/v1/teams/"+id, map[string]any{"name": "Studio 2"}).want(t, 200)
	b.do("DELETE", "/api/v1/teams/"+id, nil).wantError(t, 403, "forbidden")
	a.do("PATCH", "/api/v1/teams/"+id+"/members/"+bob.ID, map[string]any{"role": "viewer"}).want(t, 200)
	b.do("PUT", "/api/v1/teams/"+id, map[string]any{"name": "Studio 3"}).wantError(t, 403, "forbidden")

	if l := y.do("GET", "/api/v1/teams", nil).want(t, 200).JSON(t); l["total"] != 1.0 || len(l["teams"].([]any)) != 1 {
		t.Fatalf("cy's teams %v", l)
	}
	// The members list: owner first, paginated, members only.
	ms := y.do("GET", "/api/v1/teams/"+id+"/members?limit=2", nil).want(t, 200).JSON(t)
	if first := ms["members"].([]any)[0].(map[string]any); ms["total"] != 3.0 || len(ms["members"].([]any)) != 2 || first["role"] != "owner" || first["email"] != ada.Email {
		t.Fatalf("members %v", ms)
	}
	if ms := y.do("GET", "/api/v1/teams/"+id+"/members?offset=2", nil).want(t, 200).JSON(t); len(ms["members"].([]any)) != 1 {
		t.Fatalf("members from 2 %v", ms)
	}
	stranger := c.with(register(t, c, "dee@example.com").Access)
	stranger.do("GET", "/api/v1/teams/"+id+"/members", nil).wantError(t, 404, "not_found")
	stranger.do("POST", "/api/v1/teams/"+id+"/leave", nil).wantError(t, 404, "not_found")
	// Leaving, and the owner who cannot.
	y.do("POST", "/api/v1/teams/"+id+"/leave", nil).want(t, 200)
	y.do("GET", "/api/v1/teams/"+id, nil).wantError(t, 404, "not_found")
	y.do("POST", "/api/v1/teams/"+id+"/leave", nil).wantError(t, 404, "not_found")
	a.do("POST", "/api/v1/teams/"+id+"/leave", nil).wantError(t, 409, "conflict")
	a.do("POST", "/api/v1/teams/"+id+"/members", map[string]any{"email": cy.Email, "role": "viewer"}).want(t, 201)
	y.do("DELETE", "/api/v1/teams/"+id+"/members/"+cy.ID, nil).want(t, 200)
	a.do("DELETE", "/api/v1/teams/"+id+"/members/"+ada.ID, nil).wantError(t, 409, "conflict")
	a.do("DELETE", "/api/v1/teams/"+id+"/members/"+cy.ID, nil).wantError(t, 404, "not_found")
	a.do("DELETE", "/api/v1/teams/"+id, nil).want(t, 200)
	a.do("GET", "/api/v1/teams/"+id, nil).wantError(t, 404, "not_found")
}

func TestAuthorizeEndpoint(t *testing.T) {
	s := startServer(t, env{})
	c := s.client(t)
	ada, bob := register(t, c, "ada@example.com"), register(t, c, "bob@example.com")
	a, b := c.with(ada.Access), c.with(bob.Access)
	project := a.do("POST", "/api/v1/projects", map[string]any{"name": "P", "visibility": "public"}).want(t, 201).Str(t, "id")
	gen := submit(t, a, map[string]any{"model_id": "local/image", "prompt": "authorize", "project_id": project})["id"].(string)

	first := a.do("GET", "/api/v1/generations/"+gen+"/authorize", nil).want(t, 200).JSON(t)
	if first["allowed"] != true || first["access_level"] != "owner" || first["method"] != "direct_ownership" ||
		first["cache"] != "l3" || first["generation_id"] != gen || first["user_id"] != ada.ID || len(first["permissions"].([]any)) != 5 {
		t.Fatalf("first authorize %v", first)
	}
	if again := a.do("GET", "/api/v1/generations/"+gen+"/authorize?action=delete", nil).want(t, 200).JSON(t); again["cache"] != "l1" {
		t.Fatalf("second authorize answered by %v", again["cache"])
	}
	// An upper-case id is the same generation, answered in canonical form.
	pub := b.do("GET", "/api/v1/generations/"+strings.ToUpper(gen)+"/authorize", nil).want(t, 200).JSON(t)
	if pub["access_level"] != "viewer" || pub["method"] != "public_access" || pub["generation_id"] != gen {
		t.Fatalf("public viewer %v", pub)
	}
	no := b.do("GET", "/api/v1/generations/"+gen+"/authorize?action=edit", nil).wantError(t, 403, "forbidden").JSON(t)
	if no["allowed"] != false || no["access_level"] != "viewer" {
		t.Fatalf("refusal %v", no)
	}
	missing := b.do("GET", "/api/v1/generations/00000000-0000-0000-0000-000000000001/authorize", nil).wantError(t, 403, "forbidden").JSON(t)
	if missing["allowed"] != false || missing["access_level"] != "none" {
		t.Fatalf("missing generation %v", missing)
	}
	b.do("GET", "/api/v1/generations/xyz/authorize", nil).wantError(t, 422, "invalid")
	b.do("GET", "/api/v1/generations/"+gen+"/authorize?action=launch", nil).wantError(t, 422, "invalid")
	c.do("GET", "/api/v1/generations/"+gen+"/authorize", nil).wantError(t, 401, "unauthorized")
}

// TestRevocationAcrossServers: two servers on one PostgreSQL and Redis. A
// member's access, warm in server B's caches, is removed on server A; B
// refuses within 500 ms.
func TestRevocationAcrossServers(t *testing.T) {
	forEachSharedBackend(t, testRevocationAcrossServers)
}

func testRevocationAcrossServers(t *testing.T, e env) {
	sa, sb := startServer(t, e), startServer(t, e)
	a, b := sa.client(t), sb.client(t)
	owner, member := register(t, a, "owner@example.com"), register(t, a, "member@example.com")
	oa, mb := a.with(owner.Access), b.with(member.Access)
	team := oa.do("POST", "/api/v1/teams", map[string]any{"name": "T"}).want(t, 201).Str(t, "id")
	oa.do("POST", "/api/v1/teams/"+team+"/members", map[string]any{"email": member.Email, "role": "viewer"}).want(t, 201)
	project := oa.do("POST", "/api/v1/projects", map[string]any{"name": "P", "visibility": "team-only"}).want(t, 201).Str(t, "id")
	oa.do("POST", "/api/v1/projects/"+project+"/teams", map[string]any{"team_id": team, "access_level": "read"}).want(t, 201)

	mb.do("GET", "/api/v1/projects/"+project, nil).want(t, 200)
	mb.do("GET", "/api/v1/projects/"+project, nil).want(t, 200) // warm in B's L1
	oa.do("DELETE", "/api/v1/teams/"+team+"/members/"+member.ID, nil).want(t, 200)
	waitAnswer(t, mb, "GET", "/api/v1/projects/"+project, 404)
}

// TestConcurrentRemovalsRevoke: a viewer of a team-only project through two
// teams is removed from both at the same instant. Each removal rewrote the
// project's effective access from a snapshot that still had the other
// membership, so the viewer kept access for good (and with a third member
// left, one removal answered 500). Every trial must end with the viewer
// refused and both removals answered 200.
func TestConcurrentRemovalsRevoke(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		s := startServer(t, e)
		c := s.client(t)
		owner, viewer, stays := register(t, c, "owner@example.com"), register(t, c, "viewer@example.com"), register(t, c, "stays@example.com")
		o, v := c.with(owner.Access), c.with(viewer.Access)
		for trial := range 10 {
			project := o.do("POST", "/api/v1/projects", map[string]any{"name": "P", "visibility": "team-only"}).want(t, 201).Str(t, "id")
			var teams [2]string
			for i := range teams {
				teams[i] = o.do("POST", "/api/v1/teams", map[string]any{"name": "T"}).want(t, 201).Str(t, "id")
				for _, m := range []account{viewer, stays} {
					o.do("POST", "/api/v1/teams/"+teams[i]+"/members", map[string]any{"email": m.Email, "role": "viewer"}).want(t, 201)
				}
				o.do("POST", "/api/v1/projects/"+project+"/teams", map[string]any{"team_id": teams[i], "access_level": "write"}).want(t, 201)
			}
			v.do("GET", "/api/v1/projects/"+project, nil).want(t, 200)

			statuses := parallel(t, len(teams), func(i int) *response {
				return o.do("DELETE", "/api/v1/teams/"+teams[i]+"/members/"+viewer.ID, nil)
			})
			if statuses[200] != len(teams) {
				t.Fatalf("trial %d: removals answered %v", trial, statuses)
			}
			v.do("GET", "/api/v1/projects/"+project, nil).wantError(t, 404, "not_found")
			v.do("PUT", "/api/v1/projects/"+project, map[string]any{"name": "Still mine"}).wantError(t, 404, "not_found")
		}
	})
}

// TestProjectMetadataCap: metadata of exactly 16 KiB as JSON is accepted on
// create and on update, one byte more is refused with 422 and changes
// nothing: one account cannot make everyone's project lists heavy.
func TestProjectMetadataCap(t *testing.T) {
	// {"blob":"mmm…"}: 11 bytes around the string.
	sized := func(n int) map[string]any { return map[string]any{"blob": strings.Repeat("m", n-11)} }
	forEachBackend(t, func(t *testing.T, e env) {
		c := startServer(t, e).client(t)
		a := c.with(register(t, c, "ada@example.com").Access)
		const limit = 16 << 10
		a.do("POST", "/api/v1/projects", map[string]any{"name": "big", "metadata": sized(limit + 1)}).wantError(t, 422, "invalid")
		p := a.do("POST", "/api/v1/projects", map[string]any{"name": "full", "metadata": sized(limit)}).want(t, 201).JSON(t)
		id := p["id"].(string)
		if got := len(p["metadata"].(map[string]any)["blob"].(string)); got != limit-11 {
			t.Fatalf("stored a blob of %d bytes", got)
		}
		a.do("PUT", "/api/v1/projects/"+id, map[string]any{"metadata": map[string]any{}}).want(t, 200)
		a.do("PUT", "/api/v1/projects/"+id, map[string]any{"metadata": sized(limit + 1)}).wantError(t, 422, "invalid")
		if m := a.do("GET", "/api/v1/projects/"+id, nil).want(t, 200).JSON(t)["metadata"].(map[string]any); len(m) != 0 {
			t.Fatalf("a refused update changed the metadata: %d keys", len(m))
		}
		a.do("PUT", "/api/v1/projects/"+id, map[string]any{"metadata": sized(limit)}).want(t, 200)
		if m := a.do("GET", "/api/v1/projects/"+id, nil).want(t, 200).JSON(t)["metadata"].(map[string]any); len(m["blob"].(string)) != limit-11 {
			t.Fatalf("metadata after an update to the cap: %d bytes", len(m["blob"].(string)))
		}
	})
}
