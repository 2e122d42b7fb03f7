package api

import (
	"context"
	"net/http"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
)

type authorizeInput struct {
	IDPath
	Action string `query:"action" enum:"view,edit,delete,download,share" default:"view"`
}

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

type authorizeOutput struct {
	Status int
	Body   AuthorizeResponse
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

// handleAuthorize answers whether the caller may act on a generation: 200
// when allowed, 403 when not allowed or not found (the same answer, so
// existence does not leak).
func handleAuthorize(engine *authz.Engine) func(context.Context, *authorizeInput) (*authorizeOutput, error) {
	return func(ctx context.Context, in *authorizeInput) (*authorizeOutput, error) {
		id, err := parseID("id", in.ID)
		if err != nil {
			return nil, err
		}
		user := principal(ctx).UserID
		d, err := engine.Check(ctx, user, velro.KindGeneration, id)
		if err != nil {
			return nil, err
		}
		out := &authorizeOutput{Status: http.StatusOK, Body: AuthorizeResponse{
			Allowed: d.Allows(actionNamed[in.Action]), GenerationID: in.ID, UserID: user.String(),
			AccessLevel: d.Access.Role.String(), Permissions: permissionsOf[d.Access.Role],
			Method: d.Access.Method.String(), Cache: d.Layer.String(),
		}}
		if !out.Body.Allowed {
			out.Status = http.StatusForbidden
			out.Body.Detail = "Not allowed to " + in.Action + " this generation."
			out.Body.Error = velro.EFORBIDDEN
			out.Body.RequestID = requestInfoFrom(ctx).id
		}
		return out, nil
	}
}
