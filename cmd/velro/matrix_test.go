package main

import (
	"fmt"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// caller is one column of the endpoint matrix.
type caller struct {
	name     string
	teamRole velro.TeamRole // role in the fixture's team; "" for strangers
	anon     bool
}

var callers = []caller{
	{name: "owner", teamRole: velro.TeamOwner},
	{name: "admin", teamRole: velro.TeamAdmin},
	{name: "editor", teamRole: velro.TeamEditor},
	{name: "viewer", teamRole: velro.TeamViewer},
	{name: "stranger"},
	{name: "anonymous", anon: true},
}

// fixture is a fresh world per matrix cell: a team with one member per
// role, a team-only project shared with it at level admin, a generation of
// the owner's in the project, still rendering.
type fixture struct {
	project, team, generation, upload string
	png                               []byte
	users                             map[string]account // by caller name
	newcomer                          account
	// invite makes a pending viewer invitation of the team, to an address
	// without an account, and returns its id and mailed token.
	invite func() (id, token string)
}

// multipartForm is a request body sent as a multipart form.
type multipartForm struct{ body, contentType string }

// form is a multipart upload of the fixture's picture with the fields.
func (f *fixture) form(fields ...string) multipartForm {
	var b strings.Builder
	w := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		_ = w.WriteField(fields[i], fields[i+1])
	}
	part, _ := w.CreateFormFile("file", "matrix.png")
	_, _ = part.Write(f.png)
	_ = w.Close()
	return multipartForm{b.String(), w.FormDataContentType()}
}

// answers are an endpoint's expected answers, one per caller, in the
// order of callers: owner, admin, editor, viewer, stranger, anonymous.
type answers [6]int

type endpoint struct {
	method, path string
	body         func(f *fixture) any
	want         answers
}

// matrix is written out from the permission table (docs/guide.md, "Who may
// do what") and the team rules, never computed from the code under test.
// The fixture's project is team-only and shared with its team at level
// admin, so the callers' roles on it are their team roles (the team's owner
// owns the project). Anonymous callers get 401; a resource a caller may not
// see is 404, one they see but may not change 403.
var matrix = []endpoint{
	// answers: owner, admin, editor, viewer, stranger, anonymous
	{"GET", "/api/v1/projects/{project}", nil, answers{200, 200, 200, 200, 404, 401}},
	{"PUT", "/api/v1/projects/{project}", func(*fixture) any { return map[string]any{"name": "Renamed"} }, answers{200, 200, 200, 403, 404, 401}},
	{"PUT", "/api/v1/projects/{project}", func(*fixture) any { return map[string]any{"visibility": "team-only"} }, answers{200, 200, 403, 403, 404, 401}},
	{"DELETE", "/api/v1/projects/{project}", nil, answers{200, 403, 403, 403, 404, 401}},
	{"POST", "/api/v1/projects/{project}/teams", func(f *fixture) any { return map[string]any{"team_id": f.team, "access_level": "admin"} }, answers{201, 201, 403, 403, 404, 401}},
	{"DELETE", "/api/v1/projects/{project}/teams/{team}", nil, answers{200, 200, 403, 403, 404, 401}},
	{"GET", "/api/v1/projects/{project}/teams", nil, answers{200, 200, 200, 200, 404, 401}},
	{"GET", "/api/v1/projects/{project}/stats", nil, answers{200, 200, 200, 200, 404, 401}},
	{"POST", "/api/v1/generations/quote", func(*fixture) any { return map[string]any{"model_id": "fal-ai/veo3"} }, answers{200, 200, 200, 200, 200, 401}},
	{method: "GET", path: "/api/v1/uploads/{upload}", want: answers{200, 200, 200, 200, 404, 401}},
	{method: "GET", path: "/api/v1/uploads/{upload}/url", want: answers{200, 200, 200, 200, 404, 401}},
	{method: "GET", path: "/api/v1/uploads?project_id={project}", want: answers{200, 200, 200, 200, 404, 401}},
	{method: "POST", path: "/api/v1/uploads", body: func(f *fixture) any { return f.form("project_id", f.project) }, want: answers{201, 201, 201, 403, 404, 401}},
	{method: "POST", path: "/api/v1/uploads", body: func(f *fixture) any { return f.form() }, want: answers{201, 201, 201, 201, 201, 401}},
	{method: "GET", path: "/api/v1/user/storage", want: answers{200, 200, 200, 200, 200, 401}},
	// Only its owner deletes an upload; the project's readers see it.
	{method: "DELETE", path: "/api/v1/uploads/{upload}", want: answers{200, 403, 403, 403, 404, 401}},
	{method: "GET", path: "/api/v1/generations/{generation}", want: answers{200, 200, 200, 200, 404, 401}},
	{method: "GET", path: "/api/v1/generations?project_id={project}", want: answers{200, 200, 200, 200, 404, 401}},
	{method: "POST", path: "/api/v1/generations", body: func(f *fixture) any {
		return map[string]any{"model_id": "local/image", "prompt": "matrix", "project_id": f.project}
	}, want: answers{201, 201, 201, 403, 404, 401}},
	// A project upload as a reference of one's own generation: the
	// project's readers may use it.
	{method: "POST", path: "/api/v1/generations", body: func(f *fixture) any {
		return map[string]any{"model_id": "local/image-edit", "prompt": "matrix", "reference_upload_ids": []string{f.upload}}
	}, want: answers{201, 201, 201, 201, 404, 401}},
	// A variation inherits its parent's project: it takes edit there.
	{method: "POST", path: "/api/v1/generations", body: func(f *fixture) any {
		return map[string]any{"model_id": "local/image", "prompt": "matrix", "parent_generation_id": f.generation}
	}, want: answers{201, 201, 201, 403, 404, 401}},
	{method: "POST", path: "/api/v1/generations/{generation}/favorite", want: answers{200, 200, 200, 403, 404, 401}},
	{method: "POST", path: "/api/v1/generations/{generation}/cancel", want: answers{200, 200, 200, 403, 404, 401}},
	{method: "DELETE", path: "/api/v1/generations/{generation}", want: answers{200, 200, 200, 403, 404, 401}},
	{method: "GET", path: "/api/v1/generations/{generation}/media-urls", want: answers{200, 200, 200, 200, 404, 401}},
	{method: "GET", path: "/api/v1/generations/{generation}/stream", want: answers{200, 200, 200, 200, 404, 401}}, // stays open: status only
	// GET /authorize answers 403 for what is not allowed, seen or not.
	{"GET", "/api/v1/generations/{generation}/authorize?action=view", nil, answers{200, 200, 200, 200, 403, 401}},
	{"GET", "/api/v1/generations/{generation}/authorize?action=download", nil, answers{200, 200, 200, 200, 403, 401}},
	{"GET", "/api/v1/generations/{generation}/authorize?action=edit", nil, answers{200, 200, 200, 403, 403, 401}},
	{"GET", "/api/v1/generations/{generation}/authorize?action=delete", nil, answers{200, 200, 200, 403, 403, 401}},
	{"GET", "/api/v1/generations/{generation}/authorize?action=share", nil, answers{200, 200, 403, 403, 403, 401}},
	// Teams: members see the team; owner and admins update it; the owner
	// deletes it; the owner manages anyone, an admin editors and viewers.
	{"GET", "/api/v1/teams/{team}", nil, answers{200, 200, 200, 200, 404, 401}},
	{"GET", "/api/v1/teams/{team}/members", nil, answers{200, 200, 200, 200, 404, 401}},
	// Any member leaves but the owner, for whom it is a conflict.
	{"POST", "/api/v1/teams/{team}/leave", nil, answers{409, 200, 200, 200, 404, 401}},
	{"PUT", "/api/v1/teams/{team}", func(*fixture) any { return map[string]any{"name": "Renamed"} }, answers{200, 200, 403, 403, 404, 401}},
	{"DELETE", "/api/v1/teams/{team}", nil, answers{200, 403, 403, 403, 404, 401}},
	{"POST", "/api/v1/teams/{team}/members", func(f *fixture) any { return map[string]any{"email": f.newcomer.Email, "role": "viewer"} }, answers{201, 201, 403, 403, 404, 401}},
	{"POST", "/api/v1/teams/{team}/members", func(f *fixture) any { return map[string]any{"email": f.newcomer.Email, "role": "admin"} }, answers{201, 403, 403, 403, 404, 401}},
	{"PATCH", "/api/v1/teams/{team}/members/{viewer}", func(*fixture) any { return map[string]any{"role": "editor"} }, answers{200, 200, 403, 403, 404, 401}},
	{"PATCH", "/api/v1/teams/{team}/members/{admin}", func(*fixture) any { return map[string]any{"role": "viewer"} }, answers{200, 403, 403, 403, 404, 401}},
	// Removing the editor: the editor leaving, or who manages editors.
	{"DELETE", "/api/v1/teams/{team}/members/{editor}", nil, answers{200, 200, 200, 403, 404, 401}},
	// Who may add a role may invite to it, and revoke such invitations.
	{"POST", "/api/v1/teams/{team}/invitations", func(f *fixture) any { return map[string]any{"email": f.newcomer.Email, "role": "viewer"} }, answers{201, 201, 403, 403, 404, 401}},
	{"POST", "/api/v1/teams/{team}/invitations", func(f *fixture) any { return map[string]any{"email": f.newcomer.Email, "role": "admin"} }, answers{201, 403, 403, 403, 404, 401}},
	{"GET", "/api/v1/teams/{team}/invitations", nil, answers{200, 200, 403, 403, 404, 401}},
	{"DELETE", "/api/v1/teams/{team}/invitations/{invitation}", nil, answers{200, 200, 403, 403, 404, 401}},
	{"GET", "/api/v1/invitations/{token}", nil, answers{200, 200, 200, 200, 200, 200}},
	// Answering an invitation addressed to someone else.
	{"POST", "/api/v1/invitations/{token}/accept", nil, answers{403, 403, 403, 403, 403, 401}},
	{"POST", "/api/v1/invitations/{token}/decline", nil, answers{403, 403, 403, 403, 403, 401}},
	// Administration: no caller of the matrix is an administrator.
	{"GET", "/api/v1/admin/users", nil, answers{403, 403, 403, 403, 403, 401}},
	{"GET", "/api/v1/admin/generations", nil, answers{403, 403, 403, 403, 403, 401}},
	{"PATCH", "/api/v1/admin/users/{viewer}", func(*fixture) any { return map[string]any{"disabled": true} }, answers{403, 403, 403, 403, 403, 401}},
	// Nobody removes the owner; the owner leaving is a conflict, not a
	// permission matter.
	{"DELETE", "/api/v1/teams/{team}/members/{owner}", nil, answers{409, 403, 403, 403, 404, 401}},
}

func (f *fixture) expand(path string) string {
	r := map[string]string{"{project}": f.project, "{team}": f.team, "{generation}": f.generation, "{upload}": f.upload}
	if strings.Contains(path, "{invitation}") || strings.Contains(path, "{token}") {
		r["{invitation}"], r["{token}"] = f.invite()
	}
	for name, a := range f.users {
		r["{"+name+"}"] = a.ID
	}
	for k, v := range r {
		path = strings.ReplaceAll(path, k, v)
	}
	return path
}

// TestEndpointMatrix calls every project, team, upload and generation endpoint as
// every kind of caller on a fresh fixture and expects the status written in
// matrix, with the authorization cache on and off.
func TestEndpointMatrix(t *testing.T) {
	for _, mode := range []string{"on", "off"} {
		t.Run("cache="+mode, func(t *testing.T) {
			// Renders take an hour: generations stay in flight, cancellable.
			testEndpointMatrix(t, env{"VELRO_AUTHZ_CACHE": mode, "VELRO_LOCAL_RENDER_DELAY": "1h", "VELRO_SHUTDOWN_TIMEOUT": "100ms"})
		})
	}
}

func testEndpointMatrix(t *testing.T, e env) {
	s := startServer(t, e)
	c := s.client(t)
	users := map[string]account{}
	for _, cl := range callers {
		if !cl.anon {
			users[cl.name] = register(t, c, cl.name+"@matrix.example.com")
		}
	}
	newcomer := register(t, c, "newcomer@matrix.example.com")
	// Those who invite have verified their address.
	for _, name := range []string{"owner", "admin"} {
		a := c.with(users[name].Access)
		a.do("POST", "/api/v1/auth/verify/send", nil).want(t, 202)
		link := outboxMail(t, s.DataDir, users[name].Email).Link(t, s.studioURL(t)+"/verify-email?token=")
		c.do("POST", "/api/v1/auth/verify", map[string]any{"token": strings.TrimPrefix(link, s.studioURL(t)+"/verify-email?token=")}).want(t, 200)
	}
	// Every fixture costs its owner a generation: an admin (made with the
	// CLI, outside the matrix's callers) pays for them.
	e["VELRO_DATA_DIR"] = s.DataDir
	banker := adminOf(t, c, e, "banker@matrix.example.com")
	c.with(banker.Access).do("POST", "/api/v1/admin/credits/grant", map[string]any{"email": users["owner"].Email, "amount": 1_000_000}).want(t, 201)

	newFixture := func() *fixture {
		owner := c.with(users["owner"].Access)
		f := &fixture{users: users, newcomer: newcomer, png: pngOf(t, 3, 3)}
		f.team = owner.do("POST", "/api/v1/teams", map[string]any{"name": "Matrix"}).want(t, 201).Str(t, "id")
		for _, cl := range callers[1:4] {
			owner.do("POST", "/api/v1/teams/"+f.team+"/members", map[string]any{"email": users[cl.name].Email, "role": cl.teamRole}).want(t, 201)
		}
		f.project = owner.do("POST", "/api/v1/projects", map[string]any{"name": "Matrix", "visibility": "team-only"}).want(t, 201).Str(t, "id")
		owner.do("POST", "/api/v1/projects/"+f.project+"/teams", map[string]any{"team_id": f.team, "access_level": "admin"}).want(t, 201)
		f.generation = owner.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/image", "prompt": "matrix", "project_id": f.project}).
			want(t, 201).Str(t, "id")
		f.upload = upload(t, owner, "matrix.png", f.png, "project_id", f.project).want(t, 201).Str(t, "id")
		f.invite = func() (string, string) {
			invitee := uuid.NewString() + "@invited.example.com"
			id := owner.do("POST", "/api/v1/teams/"+f.team+"/invitations", map[string]any{"email": invitee, "role": "viewer"}).want(t, 201).Str(t, "id")
			m := outboxMail(t, s.DataDir, invitee)
			prefix := s.studioURL(t) + "/invitations/"
			return id, strings.TrimPrefix(m.Link(t, prefix), prefix)
		}
		return f
	}

	for _, ep := range matrix {
		for i, cl := range callers {
			name := fmt.Sprintf("%s %s as %s", ep.method, ep.path, cl.name)
			f := newFixture()
			cc := c
			if !cl.anon {
				cc = c.with(users[cl.name].Access)
			}
			var body any
			if ep.body != nil {
				body = ep.body(f)
			}
			var r *response
			if m, ok := body.(multipartForm); ok {
				r = cc.do(ep.method, f.expand(ep.path), m.body, "Content-Type", m.contentType)
			} else if strings.HasSuffix(ep.path, "/stream") {
				r = cc.status(ep.method, f.expand(ep.path))
			} else {
				r = cc.do(ep.method, f.expand(ep.path), body)
			}
			if want := ep.want[i]; r.Status != want {
				t.Errorf("%s: status %d, want %d: %s", name, r.Status, want, r.Body)
			}
		}
	}
}
