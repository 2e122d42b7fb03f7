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

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/api"
	"github.com/velro-ai/velro/auth"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/bus"
	"github.com/velro-ai/velro/fetch"
	"github.com/velro-ai/velro/generate"
	"github.com/velro-ai/velro/guard"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/media"
	"github.com/velro-ai/velro/service"
	"github.com/velro-ai/velro/stripe"
)

// fuzzServer is the whole API on SQLite, wired as cmd/velro wires it (a
// cheap password hash; jobs queued but never run), with one account whose
// bearer token the requests carry, and a project and a team of it.
type fuzzServer struct {
	handler http.Handler
	token   string
	user    string
	project string
	team    string
}

func newFuzzServer(t testing.TB, options ...func(*api.Config)) *fuzzServer {
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
	// Errors (the cause of a 5xx) go to stderr, next to the failure.
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	accounts := service.NewAccounts(store, service.AccountsConfig{Passwords: authSvc, Media: files, Log: log})
	uploads := service.NewUploads(store, engine, files, 1<<20)
	cfg := api.Config{
		Log:      log,
		Auth:     authSvc,
		Accounts: accounts,
		Audit:    service.NewAudit(store, accounts, time.Hour, log),
		Payments: service.NewPayments(store, service.PaymentsConfig{Packs: velro.CreditPacks{{ID: "starter", Credits: 10, Amount: 5, Currency: "usd"}},
			Events: stripe.NewWebhook("whsec_fuzz"), Admins: accounts, Log: log}),
		Projects: service.NewProjects(store, engine),
		Teams:    service.NewTeams(store, engine, service.TeamsConfig{}),
		Authz:    engine,
		Generations: &generate.Service{Store: store, Authz: engine, Media: files, Uploads: uploads,
			Fetch: fetch.New(fetch.Config{Timeout: time.Second})},
		Uploads:  uploads,
		Notifier: generate.NewNotifier(b),
		Media:    files,
		Signer:   media.NewSigner([]byte("fuzz media key")),
	}
	for _, option := range options {
		option(&cfg)
	}
	s := &fuzzServer{handler: api.NewServer(cfg)}
	// A password no seed holds: inputs that change the password or delete
	// the account need it, and the account must stay.
	reg := s.do(t, "POST", "/api/v1/auth/register", `{"email":"fuzz@example.com","password":"`+fuzzPassword+`"}`)
	var tok struct {
		AccessToken string `json:"access_token"`
		User        struct{ ID string }
	}
	if reg.Code != 201 || json.Unmarshal(reg.Body.Bytes(), &tok) != nil {
		t.Fatalf("register: %d %s", reg.Code, reg.Body)
	}
	s.token, s.user = tok.AccessToken, tok.User.ID
	s.project, s.team = s.create(t, "/api/v1/projects"), s.create(t, "/api/v1/teams")
	return s
}

// create makes a project or a team and returns its id.
func (s *fuzzServer) create(t testing.TB, path string) string {
	w := s.do(t, "POST", path, `{"name":"fuzz"}`)
	var v struct{ ID string }
	if w.Code != 201 || json.Unmarshal(w.Body.Bytes(), &v) != nil {
		t.Fatalf("POST %s: %d %s", path, w.Code, w.Body)
	}
	return v.ID
}

const fuzzPassword = "Xq7-unguessable-by-mutation-9Zr"

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

// bodyRoutes are the operations that decode a JSON body ({p}, {t}, {u}:
// the account's project, team and own id).
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
	{"POST", "/api/v1/auth/password"},
	{"POST", "/api/v1/auth/password/forgot"},
	{"POST", "/api/v1/auth/password/reset"},
	{"POST", "/api/v1/auth/verify"},
	{"DELETE", "/api/v1/user"},
	{"POST", "/api/v1/teams/{t}/invitations"},
	{"PATCH", "/api/v1/admin/users/{u}"},
	{"POST", "/api/v1/generations/quote"},
	{"POST", "/api/v1/credits/checkout"},
	{"POST", "/api/v1/billing/stripe/webhook"},
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
		`{"current_password":"x","new_password":"Another1pass"}`, `{"token":"abc","new_password":"Another1pass"}`,
		`{"email":"x@example.com","role":"editor"}`, `{"role":"admin","disabled":true}`,
		`{"model_id":"local/image-edit","prompt":"p","reference_upload_ids":["x"],"reference_image_url":"http://127.0.0.1/","parent_generation_id":"x"}`,
		`{"model_id":"fal-ai/kling-video/v2.1/master/image-to-video","parameters":{"duration":"10","num_images":3}}`,
	} {
		for i := range bodyRoutes {
			f.Add(uint8(i), body)
		}
	}
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		r := bodyRoutes[int(route)%len(bodyRoutes)]
		path := strings.NewReplacer("{p}", s.project, "{t}", s.team, "{u}", s.user).Replace(r.path)
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
	{"GET", "/api/v1/invitations/{x}"},
	{"POST", "/api/v1/invitations/{x}/accept"},
	{"DELETE", "/api/v1/teams/{x}/invitations/{x}"},
	{"PATCH", "/api/v1/admin/users/{x}"},
	{"GET", "/api/v1/uploads/{x}"},
	{"GET", "/api/v1/uploads/{x}/url"},
	{"DELETE", "/api/v1/uploads/{x}"},
	{"GET", "/api/v1/projects/{x}/stats"},
	{"GET", "/api/v1/teams/{x}/members"},
	{"POST", "/api/v1/teams/{x}/leave"},
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
