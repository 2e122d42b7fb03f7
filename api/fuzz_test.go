package api_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/velro-ai/velro/api"
	"github.com/velro-ai/velro/auth"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/bus"
	"github.com/velro-ai/velro/generate"
	"github.com/velro-ai/velro/guard"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/media"
	"github.com/velro-ai/velro/service"
)

// fuzzServer is the whole API on SQLite, wired as cmd/velro wires it (a
// cheap password hash; jobs queued but never run), with one account whose
// bearer token the requests carry, and a project of it.
type fuzzServer struct {
	handler http.Handler
	token   string
	project string
}

func newFuzzServer(t testing.TB) *fuzzServer {
	raw := testenv.Store(t, testenv.SQLite(t), 0)
	b := new(bus.Local)
	engine := authz.New(authz.Config{Store: raw, Bus: b})
	store := guard.New(raw, engine, b)
	authSvc, err := auth.NewService(t.Context(), store, auth.Config{Bus: b,
		Hasher: auth.NewHasher(auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}, 0, time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	files, err := media.NewDir(filepath.Join(t.TempDir(), "media"))
	if err != nil {
		t.Fatal(err)
	}
	s := &fuzzServer{handler: api.NewServer(api.Config{
		// Errors (the cause of a 5xx) go to stderr, next to the failure.
		Log:         slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		Auth:        authSvc,
		Accounts:    service.NewAccounts(store),
		Projects:    service.NewProjects(store, engine),
		Teams:       service.NewTeams(store, engine),
		Authz:       engine,
		Generations: &generate.Service{Store: store, Authz: engine, Media: files, Bus: b},
		Notifier:    generate.NewNotifier(b),
		Media:       files,
		Signer:      media.NewSigner([]byte("fuzz media key")),
	})}
	reg := s.do(t, "POST", "/api/v1/auth/register", `{"email":"fuzz@example.com","password":"Passw0rd!"}`)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if reg.Code != 201 || json.Unmarshal(reg.Body.Bytes(), &tok) != nil {
		t.Fatalf("register: %d %s", reg.Code, reg.Body)
	}
	s.token = tok.AccessToken
	proj := s.do(t, "POST", "/api/v1/projects", `{"name":"fuzz"}`)
	var p struct{ ID string }
	if proj.Code != 201 || json.Unmarshal(proj.Body.Bytes(), &p) != nil {
		t.Fatalf("project: %d %s", proj.Code, proj.Body)
	}
	s.project = p.ID
	return s
}

// do sends a request with the account's token; path is taken as it is
// (already escaped), so any bytes can reach the router.
func (s *fuzzServer) do(t testing.TB, method, path, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "/", strings.NewReader(body))
	u, err := url.ParseRequestURI(path)
	if err != nil {
		u = &url.URL{Path: path}
	}
	r.URL, r.RequestURI = u, path
	r.Header.Set("Content-Type", "application/json")
	if s.token != "" {
		r.Header.Set("Authorization", "Bearer "+s.token)
	}
	w := httptest.NewRecorder()
	s.handler.ServeHTTP(w, r)
	return w
}

// noServerError fails on a 5xx: a client's input must never cause one.
func noServerError(t *testing.T, w *httptest.ResponseRecorder, method, path, body string) {
	if w.Code >= 500 {
		t.Fatalf("%s %s %q: %d %s", method, path, body, w.Code, w.Body)
	}
}

// bodyRoutes are the operations that decode a JSON body ({p}: the
// account's project).
var bodyRoutes = []struct{ method, path string }{
	{"POST", "/api/v1/auth/register"},
	{"POST", "/api/v1/auth/login"},
	{"POST", "/api/v1/auth/refresh"},
	{"PUT", "/api/v1/user/profile"},
	{"POST", "/api/v1/projects"},
	{"PUT", "/api/v1/projects/{p}"},
	{"POST", "/api/v1/projects/{p}/teams"},
	{"POST", "/api/v1/teams"},
	{"POST", "/api/v1/generations"},
	{"POST", "/api/v1/admin/credits/grant"},
}

// FuzzRequestJSON sends arbitrary bodies to every operation that decodes
// JSON: each answers, and never with a 5xx.
func FuzzRequestJSON(f *testing.F) {
	for _, body := range []string{
		`{"email":"a@b.co","password":"Passw0rd!"}`,
		`{"model_id":"local/image","prompt":"p","parameters":{"width":1e308,"steps":-1,"seed":0.5}}`,
		`{"name":"n","visibility":"public","tags":["a"],"metadata":{"k":[1,{"x":null}]}}`,
		`{"team_id":"00000000-0000-0000-0000-000000000000","access_level":"admin"}`,
		`{"full_name":"\u0000"}`, `[]`, `null`, `{"prompt":` + strings.Repeat("[", 100),
	} {
		for i := range bodyRoutes {
			f.Add(uint8(i), body)
		}
	}
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		r := bodyRoutes[int(route)%len(bodyRoutes)]
		path := strings.ReplaceAll(r.path, "{p}", s.project)
		noServerError(t, s.do(t, r.method, path, body), r.method, path, body)
	})
}

// idRoutes are operations with ids in the path ({x}: the fuzzed segment).
var idRoutes = []struct{ method, path string }{
	{"GET", "/api/v1/projects/{x}"},
	{"DELETE", "/api/v1/projects/{x}"},
	{"GET", "/api/v1/projects/{x}/teams"},
	{"DELETE", "/api/v1/projects/{x}/teams/{x}"},
	{"GET", "/api/v1/teams/{x}"},
	{"PATCH", "/api/v1/teams/{x}/members/{x}"},
	{"DELETE", "/api/v1/teams/{x}/members/{x}"},
	{"GET", "/api/v1/generations/{x}"},
	{"POST", "/api/v1/generations/{x}/cancel"},
	{"GET", "/api/v1/generations/{x}/media-urls"},
	{"GET", "/api/v1/generations/{x}/authorize"},
	{"GET", "/api/v1/models/{x}"},
	{"GET", "/media/{x}"},
}

// FuzzPathIDs puts arbitrary segments where ids go, escaped (any bytes as
// one segment) and raw (slashes, dots, queries): a 4xx, never a 5xx.
func FuzzPathIDs(f *testing.F) {
	for _, id := range []string{"00000000-0000-0000-0000-000000000000", "not-a-uuid", "", "..", "%00", "a/b", "?x=1",
		"01a22c75-ffe4-7263-bfab-d4249cc2c269x", "{id}", strings.Repeat("9", 300)} {
		for i := range idRoutes {
			f.Add(uint8(i), id, i%2 == 0)
		}
	}
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, route uint8, id string, escape bool) {
		r := idRoutes[int(route)%len(idRoutes)]
		seg := id
		if escape {
			seg = url.PathEscape(id)
		}
		path := strings.ReplaceAll(r.path, "{x}", seg)
		if strings.ContainsFunc(path, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return // not something an HTTP client can send in a request line
		}
		noServerError(t, s.do(t, r.method, path, `{"role":"viewer"}`), r.method, path, "")
	})
}
