package main

import (
	"fmt"
	"mime/multipart"
	"net/http"
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

// projectRole is the caller's role on the fixture's project: its owner is
// owner; members get their team role through a share at level admin.
func (c caller) projectRole() velro.Role {
	if c.teamRole == velro.TeamOwner {
		return velro.RoleOwner
	}
	return velro.ProjectAccess(false, velro.VisibilityTeamOnly, velro.SharedRole(c.teamRole, velro.ShareAdmin)).Role
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

// expect turns the rules into a status: anonymous 401, invisible 404,
// forbidden 403, else ok.
func expect(c caller, visible, allowed bool, ok int) int {
	switch {
	case c.anon:
		return http.StatusUnauthorized
	case !visible:
		return http.StatusNotFound
	case !allowed:
		return http.StatusForbidden
	}
	return ok
}

// byRole is an endpoint guarded by one action of the permission table.
func byRole(action velro.Action, ok int) func(caller) int {
	return func(c caller) int {
		r := c.projectRole()
		return expect(c, r != velro.RoleNone, r.Can(action), ok)
	}
}

// teamRule is a team endpoint: members see the team; what they may do is
// decided by fn.
func teamRule(ok int, fn func(actor velro.TeamRole) bool) func(caller) int {
	return func(c caller) int { return expect(c, c.teamRole != "", c.teamRole != "" && fn(c.teamRole), ok) }
}

// authorizeRule is GET /authorize: 200 when allowed, 403 otherwise
// (not visible included), 401 without a token.
func authorizeRule(action velro.Action) func(caller) int {
	return func(c caller) int {
		switch {
		case c.anon:
			return http.StatusUnauthorized
		case c.projectRole().Can(action):
			return http.StatusOK
		}
		return http.StatusForbidden
	}
}

// signedIn is an endpoint on no resource: every signed-in caller may.
func signedIn(ok int) func(caller) int {
	return func(c caller) int { return expect(c, true, true, ok) }
}

// everyone is a public endpoint: the same answer for every caller.
func everyone(status int) func(caller) int { return func(caller) int { return status } }

// nobody is an endpoint no caller of the matrix may use: admin-only ones,
// and answering an invitation addressed to someone else.
func nobody(c caller) int {
	if c.anon {
		return http.StatusUnauthorized
	}
	return http.StatusForbidden
}

type endpoint struct {
	method, path string
	body         func(f *fixture) any
	want         func(caller) int
}

var matrix = []endpoint{
	{"GET", "/api/v1/projects/{project}", nil, byRole(velro.ActionView, 200)},
	{"PUT", "/api/v1/projects/{project}", func(*fixture) any { return map[string]any{"name": "Renamed"} }, byRole(velro.ActionEdit, 200)},
	{"PUT", "/api/v1/projects/{project}", func(*fixture) any { return map[string]any{"visibility": "team-only"} }, byRole(velro.ActionShare, 200)},
	{"DELETE", "/api/v1/projects/{project}", nil, byRole(velro.ActionDeleteProject, 200)},
	{"POST", "/api/v1/projects/{project}/teams", func(f *fixture) any { return map[string]any{"team_id": f.team, "access_level": "admin"} }, byRole(velro.ActionShare, 201)},
	{"DELETE", "/api/v1/projects/{project}/teams/{team}", nil, byRole(velro.ActionShare, 200)},
	{"GET", "/api/v1/projects/{project}/teams", nil, byRole(velro.ActionView, 200)},
	{"GET", "/api/v1/projects/{project}/stats", nil, byRole(velro.ActionView, 200)},
	{"POST", "/api/v1/generations/quote", func(*fixture) any { return map[string]any{"model_id": "fal-ai/veo3"} }, signedIn(200)},
	{method: "GET", path: "/api/v1/uploads/{upload}", want: byRole(velro.ActionView, 200)},
	{method: "GET", path: "/api/v1/uploads/{upload}/url", want: byRole(velro.ActionDownload, 200)},
	{method: "GET", path: "/api/v1/uploads?project_id={project}", want: byRole(velro.ActionView, 200)},
	{method: "POST", path: "/api/v1/uploads", body: func(f *fixture) any { return f.form("project_id", f.project) }, want: byRole(velro.ActionEdit, 201)},
	{method: "POST", path: "/api/v1/uploads", body: func(f *fixture) any { return f.form() }, want: signedIn(201)},
	{method: "GET", path: "/api/v1/user/storage", want: signedIn(200)},
	// Only its owner deletes an upload; the project's readers see it.
	{method: "DELETE", path: "/api/v1/uploads/{upload}", want: func(c caller) int {
		r := c.projectRole()
		return expect(c, r != velro.RoleNone, r == velro.RoleOwner, 200)
	}},
	{method: "GET", path: "/api/v1/generations/{generation}", want: byRole(velro.ActionView, 200)},
	{method: "GET", path: "/api/v1/generations?project_id={project}", want: byRole(velro.ActionView, 200)},
	{method: "POST", path: "/api/v1/generations", body: func(f *fixture) any {
		return map[string]any{"model_id": "local/image", "prompt": "matrix", "project_id": f.project}
	}, want: byRole(velro.ActionEdit, 201)},
	// A project upload as a reference of one's own generation: the
	// project's readers may use it.
	{method: "POST", path: "/api/v1/generations", body: func(f *fixture) any {
		return map[string]any{"model_id": "local/image-edit", "prompt": "matrix", "reference_upload_ids": []string{f.upload}}
	}, want: byRole(velro.ActionView, 201)},
	// A variation inherits its parent's project: it takes edit there.
	{method: "POST", path: "/api/v1/generations", body: func(f *fixture) any {
		return map[string]any{"model_id": "local/image", "prompt": "matrix", "parent_generation_id": f.generation}
	}, want: byRole(velro.ActionEdit, 201)},
	{method: "POST", path: "/api/v1/generations/{generation}/favorite", want: byRole(velro.ActionEdit, 200)},
	{method: "POST", path: "/api/v1/generations/{generation}/cancel", want: byRole(velro.ActionEdit, 200)},
	{method: "DELETE", path: "/api/v1/generations/{generation}", want: byRole(velro.ActionDeleteGeneration, 200)},
	{method: "GET", path: "/api/v1/generations/{generation}/media-urls", want: byRole(velro.ActionDownload, 200)},
	{method: "GET", path: "/api/v1/generations/{generation}/stream", want: byRole(velro.ActionView, 200)}, // stays open: status only
	{"GET", "/api/v1/generations/{generation}/authorize?action=view", nil, authorizeRule(velro.ActionView)},
	{"GET", "/api/v1/generations/{generation}/authorize?action=download", nil, authorizeRule(velro.ActionDownload)},
	{"GET", "/api/v1/generations/{generation}/authorize?action=edit", nil, authorizeRule(velro.ActionEdit)},
	{"GET", "/api/v1/generations/{generation}/authorize?action=delete", nil, authorizeRule(velro.ActionDeleteGeneration)},
	{"GET", "/api/v1/generations/{generation}/authorize?action=share", nil, authorizeRule(velro.ActionShare)},
	{"GET", "/api/v1/teams/{team}", nil, teamRule(200, func(velro.TeamRole) bool { return true })},
	{"GET", "/api/v1/teams/{team}/members", nil, teamRule(200, func(velro.TeamRole) bool { return true })},
	// Any member leaves but the owner, for whom it is a conflict.
	{"POST", "/api/v1/teams/{team}/leave", nil, func(c caller) int {
		if c.teamRole == velro.TeamOwner {
			return http.StatusConflict
		}
		return teamRule(200, func(velro.TeamRole) bool { return true })(c)
	}},
	{"PUT", "/api/v1/teams/{team}", func(*fixture) any { return map[string]any{"name": "Renamed"} },
		teamRule(200, func(a velro.TeamRole) bool { return velro.TeamAccess(a).Role.Can(velro.ActionManageTeam) })},
	{"DELETE", "/api/v1/teams/{team}", nil, teamRule(200, func(a velro.TeamRole) bool { return velro.TeamAccess(a).Role.Can(velro.ActionDeleteTeam) })},
	{"POST", "/api/v1/teams/{team}/members", func(f *fixture) any { return map[string]any{"email": f.newcomer.Email, "role": "viewer"} },
		teamRule(201, func(a velro.TeamRole) bool { return velro.CanManageMember(a, "", velro.TeamViewer) })},
	{"POST", "/api/v1/teams/{team}/members", func(f *fixture) any { return map[string]any{"email": f.newcomer.Email, "role": "admin"} },
		teamRule(201, func(a velro.TeamRole) bool { return velro.CanManageMember(a, "", velro.TeamAdmin) })},
	{"PATCH", "/api/v1/teams/{team}/members/{viewer}", func(*fixture) any { return map[string]any{"role": "editor"} },
		teamRule(200, func(a velro.TeamRole) bool { return velro.CanManageMember(a, velro.TeamViewer, velro.TeamEditor) })},
	{"PATCH", "/api/v1/teams/{team}/members/{admin}", func(*fixture) any { return map[string]any{"role": "viewer"} },
		teamRule(200, func(a velro.TeamRole) bool { return velro.CanManageMember(a, velro.TeamAdmin, velro.TeamViewer) })},
	{"DELETE", "/api/v1/teams/{team}/members/{editor}", nil,
		teamRule(200, func(a velro.TeamRole) bool {
			return a == velro.TeamEditor || velro.CanManageMember(a, velro.TeamEditor, "")
		})},
	{"POST", "/api/v1/teams/{team}/invitations", func(f *fixture) any { return map[string]any{"email": f.newcomer.Email, "role": "viewer"} },
		teamRule(201, func(a velro.TeamRole) bool { return velro.CanManageMember(a, "", velro.TeamViewer) })},
	{"POST", "/api/v1/teams/{team}/invitations", func(f *fixture) any { return map[string]any{"email": f.newcomer.Email, "role": "admin"} },
		teamRule(201, func(a velro.TeamRole) bool { return velro.CanManageMember(a, "", velro.TeamAdmin) })},
	{"GET", "/api/v1/teams/{team}/invitations", nil, teamRule(200, func(a velro.TeamRole) bool { return velro.TeamAccess(a).Role.Can(velro.ActionManageTeam) })},
	{"DELETE", "/api/v1/teams/{team}/invitations/{invitation}", nil,
		teamRule(200, func(a velro.TeamRole) bool { return velro.CanManageMember(a, "", velro.TeamViewer) })},
	{"GET", "/api/v1/invitations/{token}", nil, everyone(200)},
	{"POST", "/api/v1/invitations/{token}/accept", nil, nobody}, // addressed to someone else
	{"POST", "/api/v1/invitations/{token}/decline", nil, nobody},
	{"GET", "/api/v1/admin/users", nil, nobody},
	{"PATCH", "/api/v1/admin/users/{viewer}", func(*fixture) any { return map[string]any{"disabled": true} }, nobody},
	// Nobody removes the owner; the owner leaving is a conflict, not a
	// permission matter.
	{"DELETE", "/api/v1/teams/{team}/members/{owner}", nil, func(c caller) int {
		if c.teamRole == velro.TeamOwner {
			return http.StatusConflict
		}
		return teamRule(200, func(a velro.TeamRole) bool { return velro.CanManageMember(a, velro.TeamOwner, "") })(c)
	}},
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
// every kind of caller on a fresh fixture and expects the status the rules
// give, with the authorization cache on and off.
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
			return id, strings.TrimPrefix(m.Link(t, "http://localhost:3000/invitations/"), "http://localhost:3000/invitations/")
		}
		return f
	}

	for _, ep := range matrix {
		for _, cl := range callers {
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
			if want := ep.want(cl); r.Status != want {
				t.Errorf("%s: status %d, want %d: %s", name, r.Status, want, r.Body)
			}
		}
	}
}
