package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

// adminOf registers an account and makes it an admin through the CLI.
func adminOf(t *testing.T, c *client, e env, email string) account {
	t.Helper()
	a := register(t, c, email)
	velroUsers(t, e, "set-role", email, "admin")
	return a
}

// velroUsers runs `velro users ...` against the storage e names and
// returns what it printed.
func velroUsers(t *testing.T, e env, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(t.Context(), append([]string{"velro", "users"}, args...), e.getenv, &out, &errOut); err != nil {
		t.Fatalf("velro users %v: %v\n%s", args, err, errOut.String())
	}
	return out.String()
}

// TestAdminUsersAPI: admins list accounts and disable, enable, promote and
// demote them; a disabled account's tokens stop at once.
func TestAdminUsersAPI(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		s := startServer(t, e)
		e["VELRO_DATA_DIR"] = s.DataDir
		c := s.client(t)
		boss := adminOf(t, c, e, "boss@example.com")
		ada, bob := register(t, c, "ada@example.com"), register(t, c, "bob@example.com")
		admin := c.with(boss.Access)

		c.with(ada.Access).do("GET", "/api/v1/admin/users", nil).wantError(t, 403, "forbidden")
		c.with(ada.Access).do("PATCH", "/api/v1/admin/users/"+bob.ID, map[string]any{"disabled": true}).wantError(t, 403, "forbidden")
		list := admin.do("GET", "/api/v1/admin/users?query=EXAMPLE.com&limit=2", nil).want(t, 200).JSON(t)
		users := list["users"].([]any)
		if list["total"] != 3.0 || len(users) != 2 || users[0].(map[string]any)["email"] != boss.Email ||
			users[0].(map[string]any)["role"] != "admin" || users[0].(map[string]any)["granted_role"] != "admin" {
			t.Fatalf("users %v", list)
		}
		if l := admin.do("GET", "/api/v1/admin/users?query=bob", nil).want(t, 200).JSON(t); l["total"] != 1.0 {
			t.Fatalf("query bob: %v", l)
		}

		// Disabled: tokens refused at once, login refused, refresh refused.
		u := admin.do("PATCH", "/api/v1/admin/users/"+ada.ID, map[string]any{"disabled": true}).want(t, 200).JSON(t)
		if u["disabled"] != true || u["email"] != ada.Email {
			t.Fatalf("disabled %v", u)
		}
		c.with(ada.Access).do("GET", "/api/v1/auth/me", nil).wantError(t, 401, "unauthorized")
		c.with(ada.Access).do("POST", "/api/v1/projects", map[string]any{"name": "After"}).wantError(t, 401, "unauthorized")
		c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": ada.Refresh}).wantError(t, 401, "unauthorized")
		c.do("POST", "/api/v1/auth/login", map[string]any{"email": ada.Email, "password": ada.Password}).wantError(t, 403, "account_disabled")
		c.do("POST", "/api/v1/auth/login", map[string]any{"email": ada.Email, "password": "Wrong-pass1"}).wantError(t, 401, "unauthorized")
		admin.do("PATCH", "/api/v1/admin/users/"+ada.ID, map[string]any{"disabled": false}).want(t, 200)
		c.do("POST", "/api/v1/auth/login", map[string]any{"email": ada.Email, "password": ada.Password}).want(t, 200)
		c.with(ada.Access).do("GET", "/api/v1/auth/me", nil).wantError(t, 401, "unauthorized") // its old sessions stay ended

		// Promoted, then demoted: effective at once.
		admin.do("PATCH", "/api/v1/admin/users/"+bob.ID, map[string]any{"role": "admin"}).want(t, 200)
		c.with(bob.Access).do("GET", "/api/v1/admin/users", nil).want(t, 200)
		admin.do("PATCH", "/api/v1/admin/users/"+bob.ID, map[string]any{"role": "user"}).want(t, 200)
		c.with(bob.Access).do("GET", "/api/v1/admin/users", nil).wantError(t, 403, "forbidden")

		admin.do("PATCH", "/api/v1/admin/users/"+boss.ID, map[string]any{"disabled": true}).wantError(t, 409, "conflict")
		admin.do("PATCH", "/api/v1/admin/users/"+boss.ID, map[string]any{"role": "user"}).wantError(t, 409, "conflict")
		admin.do("PATCH", "/api/v1/admin/users/00000000-0000-0000-0000-000000000009", map[string]any{"disabled": true}).wantError(t, 404, "not_found")
		admin.do("PATCH", "/api/v1/admin/users/"+bob.ID, map[string]any{"role": "root"}).wantError(t, 422, "invalid")
		admin.do("PATCH", "/api/v1/admin/users/not-a-uuid", map[string]any{}).wantError(t, 422, "invalid")
	})
}

// TestUsersCommand: `velro users` works on the storage of a running
// server, and the server applies what it did on its next request (SQLite:
// read from the shared file; PostgreSQL: over the bus).
func TestUsersCommand(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { testUsersCommand(t, b.env(t), b.name == "sqlite") })
	}
	t.Run("postgres-notify", func(t *testing.T) {
		testUsersCommand(t, env{"DATABASE_URL": backends()[1].env(t)["DATABASE_URL"]}, false)
	})
}

func testUsersCommand(t *testing.T, e env, sameFile bool) {
	s := startServer(t, e)
	e["VELRO_DATA_DIR"] = s.DataDir
	c := s.client(t)
	ada, bob := register(t, c, "ada@example.com"), register(t, c, "bob@example.com")
	grant := map[string]any{"email": bob.Email, "amount": 5}
	// Next request (SQLite) or within the bus's delivery (PostgreSQL).
	expect := func(cl *client, method, path string, body any, status int) {
		t.Helper()
		if sameFile {
			cl.do(method, path, body).want(t, status)
			return
		}
		waitAnswer(t, cl, method, path, status)
	}
	c.with(ada.Access).do("POST", "/api/v1/admin/credits/grant", grant).wantError(t, 403, "forbidden") // caches warm

	if out := velroUsers(t, e, "set-role", ada.Email, "admin"); !strings.Contains(out, "role admin") {
		t.Fatalf("set-role printed %q", out)
	}
	expect(c.with(ada.Access), "GET", "/api/v1/admin/users", nil, 200)
	c.with(ada.Access).do("POST", "/api/v1/admin/credits/grant", grant).want(t, 201)
	velroUsers(t, e, "set-role", ada.Email, "user")
	expect(c.with(ada.Access), "GET", "/api/v1/admin/users", nil, 403)

	c.with(bob.Access).do("GET", "/api/v1/auth/me", nil).want(t, 200)
	velroUsers(t, e, "disable", bob.Email)
	expect(c.with(bob.Access), "GET", "/api/v1/auth/me", nil, 401)
	c.do("POST", "/api/v1/auth/login", map[string]any{"email": bob.Email, "password": bob.Password}).wantError(t, 403, "account_disabled")
	velroUsers(t, e, "enable", bob.Email)
	c.do("POST", "/api/v1/auth/login", map[string]any{"email": bob.Email, "password": bob.Password}).want(t, 200)

	out := velroUsers(t, e, "list")
	if !strings.Contains(out, ada.Email) || !strings.Contains(out, bob.Email) || !strings.HasPrefix(out, "EMAIL") {
		t.Fatalf("list printed:\n%s", out)
	}
	if out := velroUsers(t, e, "list", "ada"); strings.Contains(out, bob.Email) || !strings.Contains(out, ada.Email) {
		t.Fatalf("list ada printed:\n%s", out)
	}
	for _, args := range [][]string{{"set-role", "nobody@example.com", "admin"}, {"set-role", ada.Email, "root"}, {"disable"}, {"promote", ada.Email}} {
		if err := run(t.Context(), append([]string{"velro", "users"}, args...), e.getenv, io.Discard, io.Discard); err == nil {
			t.Errorf("velro users %v succeeded", args)
		}
	}
}

// TestAdminGenerations: admins list every user's generations in flight
// (and failed), each naming its user; a filter by status narrows it; users
// are refused.
func TestAdminGenerations(t *testing.T) {
	e := env{"VELRO_LOCAL_RENDER_DELAY": "1h", "VELRO_SHUTDOWN_TIMEOUT": "100ms"}
	s := startServer(t, e)
	e["VELRO_DATA_DIR"] = s.DataDir
	c := s.client(t)
	boss, ada := adminOf(t, c, e, "boss@example.com"), register(t, c, "ada@example.com")
	gen := submit(t, c.with(ada.Access), map[string]any{"model_id": "local/image", "prompt": "slow fox"})
	admin := c.with(boss.Access)
	list := admin.do("GET", "/api/v1/admin/generations", nil).want(t, 200).JSON(t)
	items := list["generations"].([]any)
	if list["total"] != float64(1) || len(items) != 1 {
		t.Fatalf("in flight and failed: %v", list)
	}
	if g := items[0].(map[string]any); g["id"] != gen["id"] || g["user_id"] != ada.ID || g["error_message"] != nil {
		t.Errorf("the generation in flight: %v", g)
	}
	if failed := admin.do("GET", "/api/v1/admin/generations?status=failed", nil).want(t, 200).JSON(t); failed["total"] != float64(0) {
		t.Errorf("failed ones: %v", failed)
	}
	if later := admin.do("GET", "/api/v1/admin/generations?since=2999-01-01T00:00:00Z", nil).want(t, 200).JSON(t); later["total"] != float64(0) {
		t.Errorf("since the future: %v", later)
	}
	admin.do("GET", "/api/v1/admin/generations?status=completed", nil).wantError(t, 422, "invalid")
	admin.do("GET", "/api/v1/admin/generations?since=yesterday", nil).wantError(t, 422, "invalid")
	c.with(ada.Access).do("GET", "/api/v1/admin/generations", nil).wantError(t, 403, "forbidden")

	// The owner's own list takes the gallery's filters, once the render
	// (an hour long) has started.
	owner := c.with(ada.Access)
	for deadline := time.Now().Add(10 * time.Second); owner.do("GET", "/api/v1/generations/"+gen["id"].(string), nil).want(t, 200).JSON(t)["status"] != "processing"; {
		if time.Now().After(deadline) {
			t.Fatal("the render did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for query, want := range map[string]float64{"": 1, "status=processing": 1, "status=pending": 0, "status=completed": 0, "model_id=local/image": 1,
		"model_id=local/video": 0, "favorite=false": 1, "favorite=true": 0} {
		if got := owner.do("GET", "/api/v1/generations?"+query, nil).want(t, 200).JSON(t)["total"]; got != want {
			t.Errorf("GET /api/v1/generations?%s: total %v, want %v", query, got, want)
		}
	}
	owner.do("GET", "/api/v1/generations?status=done", nil).wantError(t, 422, "invalid")
	owner.do("GET", "/api/v1/generations?favorite=yes", nil).wantError(t, 422, "invalid")
}
