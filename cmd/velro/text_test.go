package main

import (
	"strings"
	"testing"
)

// TestNULInText: PostgreSQL cannot store a NUL character in text or jsonb,
// so every body carrying one is refused with 400 before it reaches either
// engine, and nothing is charged or stored. An escaped backslash followed
// by "u0000" is ordinary text.
func TestNULInText(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		c := startServer(t, e).client(t)
		a := c.with(register(t, c, "nul@example.com").Access)
		nul := func(r *response) {
			t.Helper()
			r.wantError(t, 400, "bad_request")
			if d := r.JSON(t)["detail"].(string); !strings.Contains(d, "NUL") {
				t.Fatalf("detail %q does not name the problem", d)
			}
		}
		nul(c.do("POST", "/api/v1/auth/login", `{"email":"nul\u0000@example.com","password":"x"}`))
		nul(c.do("POST", "/api/v1/auth/register", `{"email":"new@example.com","password":"Passw0rd-long","full_name":"a\u0000b"}`))
		nul(a.do("PUT", "/api/v1/user/profile", `{"full_name":"a\u0000b"}`))
		nul(a.do("POST", "/api/v1/projects", `{"name":"a\u0000b"}`))
		nul(a.do("POST", "/api/v1/projects", `{"name":"p","metadata":{"k\u0000":1}}`))
		nul(a.do("POST", "/api/v1/projects", `{"name":"p","tags":["x","\u0000"]}`))
		nul(a.do("POST", "/api/v1/teams", `{"name":"t","description":"\u0000"}`))
		nul(a.do("POST", "/api/v1/generations", `{"model_id":"local/image","prompt":"fox\u0000"}`))

		nul(formSubmit(a, "", "model_id", "local/image", "prompt", "fox\x00"))

		if b := a.do("GET", "/api/v1/credits/balance", nil).JSON(t)["balance"]; b != 1000.0 {
			t.Fatalf("balance %v: refused submits were charged", b)
		}
		if n := a.do("GET", "/api/v1/projects", nil).JSON(t)["total"]; n != 0.0 {
			t.Fatalf("%v projects stored from refused requests", n)
		}
		p := a.do("POST", "/api/v1/projects", `{"name":"back\\u0000slash"}`).want(t, 201).JSON(t)
		if p["name"] != `back\u0000slash` {
			t.Fatalf("name %q", p["name"])
		}
	})
}
