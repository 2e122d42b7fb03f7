package main

import (
	"bytes"
	"mime/multipart"
	"net/textproto"
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

// TestNamesRefuseDisguisingCharacters: every name people are shown back
// (team, project, tag, display name, file name) refuses control, line-break
// and bidirectional formatting characters with a 422 naming the field; a
// team name that would cut a mail's headers is never stored.
func TestNamesRefuseDisguisingCharacters(t *testing.T) {
	c := startServer(t, env{}).client(t)
	a := c.with(register(t, c, "names@example.com").Access)
	team := a.do("POST", "/api/v1/teams", map[string]any{"name": "Fine"}).want(t, 201).Str(t, "id")
	project := a.do("POST", "/api/v1/projects", map[string]any{"name": "Fine"}).want(t, 201).Str(t, "id")
	const injection = "Ops\rBcc: x@evil.example\r\nX-Injected: 1"
	for _, tc := range []struct {
		what  string
		do    func() *response
		field string
	}{
		{"team name with CR LF", func() *response { return a.do("POST", "/api/v1/teams", map[string]any{"name": injection}) }, "name"},
		{"team rename with an override", func() *response {
			return a.do("PUT", "/api/v1/teams/"+team, map[string]any{"name": "Ops\u202Enimda"})
		}, "name"},
		{"project name with a tab", func() *response { return a.do("POST", "/api/v1/projects", map[string]any{"name": "a\tb"}) }, "name"},
		{"project rename with an isolate", func() *response {
			return a.do("PUT", "/api/v1/projects/"+project, map[string]any{"name": "a\u2066b"})
		}, "name"},
		{"tag with a newline", func() *response {
			return a.do("POST", "/api/v1/projects", map[string]any{"name": "p", "tags": []string{"ok", "x\ny"}})
		}, "tags"},
		{"display name at sign-up", func() *response {
			return c.do("POST", "/api/v1/auth/register", map[string]any{"email": "new@example.com", "password": "Passw0rd-long", "full_name": "Velro\u2028Security"})
		}, "full_name"},
		{"display name in the profile", func() *response {
			return a.do("PUT", "/api/v1/user/profile", map[string]any{"full_name": "Ada\r\nBcc: x@evil.example"})
		}, "full_name"},
		{"upload file name with an override", func() *response { return upload(t, a, "invoice\u202Egnp.exe", pngOf(t, 2, 2)) }, "filename"},
		{"upload file name with a CR, RFC 2231-encoded", func() *response {
			var b bytes.Buffer
			w := multipart.NewWriter(&b)
			part, err := w.CreatePart(textproto.MIMEHeader{"Content-Disposition": {`form-data; name="file"; filename*=UTF-8''a%0Db.png`}})
			if err != nil {
				t.Fatal(err)
			}
			part.Write(pngOf(t, 2, 2))
			w.Close()
			return a.do("POST", "/api/v1/uploads", b.String(), "Content-Type", w.FormDataContentType())
		}, "filename"},
	} {
		r := tc.do().wantError(t, 422, "invalid")
		errs, _ := r.JSON(t)["errors"].([]any)
		if len(errs) != 1 || errs[0].(map[string]any)["field"] != tc.field {
			t.Errorf("%s: errors %v, want one naming %s", tc.what, errs, tc.field)
		}
	}
	if n := a.do("GET", "/api/v1/teams", nil).JSON(t)["total"]; n != 1.0 {
		t.Fatalf("%v teams: a refused name was stored", n)
	}
	if n := a.do("GET", "/api/v1/uploads", nil).JSON(t)["total"]; n != 0.0 {
		t.Fatalf("%v uploads kept under refused names", n)
	}
	// Right-to-left text and joined emoji are names like any other.
	a.do("POST", "/api/v1/teams", map[string]any{"name": "فريق 👩‍👩‍👧"}).want(t, 201)
}
