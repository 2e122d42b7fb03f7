package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/auth"
	"github.com/velro-ai/velro/authz"
)

// AuthorizeResponse is the body of GET /generations/{id}/authorize. A
// refusal carries the error fields too.
type AuthorizeResponse struct {
	Allowed      bool     `json:"allowed"`
	GenerationID string   `json:"generation_id"`
	UserID       string   `json:"user_id"`
	AccessLevel  string   `json:"access_level" enum:"owner,admin,editor,viewer,none"`
	Permissions  []string `json:"permissions"`
	Method       string   `json:"method" enum:"direct_ownership,team_membership,public_access,none"`
	Cache        string   `json:"cache" enum:"l1,l2,l3,miss"`
	Detail       string   `json:"detail,omitempty"`
	Error        string   `json:"error,omitempty"`
	RequestID    string   `json:"request_id,omitempty"`
}

// permissionsOf lists, per role, the generation actions it permits; built
// once so the hot path does not allocate.
var permissionsOf = func() map[velro.Role][]string {
	out := map[velro.Role][]string{}
	for r := velro.RoleNone; r <= velro.RoleOwner; r++ {
		out[r] = []string{}
		for _, a := range velro.GenerationActions {
			if r.Can(a.Action) {
				out[r] = append(out[r], a.Name)
			}
		}
	}
	return out
}()

var actionNamed = func() map[string]velro.Action {
	out := map[string]velro.Action{}
	for _, a := range velro.GenerationActions {
		out[a.Name] = a.Action
	}
	return out
}()

// serveAuthorize answers GET /api/v1/generations/{id}/authorize: 200 when
// the caller may act, 403 when not allowed or not found (the same answer, so
// existence does not leak). Clients ask it before every view and download,
// so it is the hottest path of the API and is written against net/http
// rather than through huma's reflection; documentAuthorize describes it in
// the OpenAPI document.
func serveAuthorize(svc *auth.Service, engine *authz.Engine) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := requestInfoFrom(r.Context())
		fail := func(err error) { writeJSONError(w, newError(info, err)) }
		token, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			fail(errMissingToken)
			return
		}
		p, err := svc.Authenticate(r.Context(), token)
		if err != nil {
			fail(err)
			return
		}
		id, err := uuid.Parse(r.PathValue("id"))
		if err != nil {
			fail(velro.Invalid("id", "must be a UUID"))
			return
		}
		name := r.URL.Query().Get("action")
		if name == "" {
			name = "view"
		}
		action, ok := actionNamed[name]
		if !ok {
			fail(velro.Invalid("action", "must be one of view, edit, delete, download, share"))
			return
		}
		d, err := engine.Check(r.Context(), p.UserID, velro.KindGeneration, id)
		if err != nil {
			fail(err)
			return
		}
		out := AuthorizeResponse{Allowed: d.Allows(action), GenerationID: id.String(), UserID: p.UserID.String(),
			AccessLevel: d.Access.Role.String(), Permissions: permissionsOf[d.Access.Role],
			Method: d.Access.Method.String(), Cache: d.Layer.String()}
		status := http.StatusOK
		if !out.Allowed {
			status = http.StatusForbidden
			out.Detail, out.Error, out.RequestID = "Not allowed to "+name+" this generation.", velro.EFORBIDDEN, info.id
		}
		body, _ := json.Marshal(out)
		h := w.Header()
		h["Content-Type"] = jsonContentType
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
		w.WriteHeader(status)
		w.Write(body)
	})
}

var jsonContentType = []string{"application/json"}

// documentAuthorize adds serveAuthorize to the OpenAPI document.
func documentAuthorize(api huma.API) {
	schema := api.OpenAPI().Components.Schemas.Schema(reflect.TypeOf(AuthorizeResponse{}), true, "AuthorizeResponse")
	content := map[string]*huma.MediaType{"application/json": {Schema: schema}}
	errSchema := api.OpenAPI().Components.Schemas.Schema(reflect.TypeOf(errorBody{}), true, "Error")
	errContent := map[string]*huma.MediaType{"application/json": {Schema: errSchema}}
	o := secured(op("GET", "/api/v1/generations/{id}/authorize", "May the caller act on a generation?", "generations"))
	o.Parameters = []*huma.Param{
		{Name: "id", In: "path", Required: true, Schema: &huma.Schema{Type: "string", Format: "uuid"}},
		{Name: "action", In: "query", Schema: &huma.Schema{Type: "string", Default: "view",
			Enum: []any{"view", "edit", "delete", "download", "share"}}},
	}
	o.Responses = map[string]*huma.Response{
		"200": {Description: "Allowed", Content: content},
		"403": {Description: "Not allowed, or no such generation", Content: content},
		"401": {Description: "Missing, invalid or revoked bearer token", Content: errContent},
		"422": {Description: "Malformed id or unknown action", Content: errContent},
		"503": {Description: "The database is not answering", Content: errContent},
	}
	api.OpenAPI().AddOperation(&o)
}
