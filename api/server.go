// Package api is Velro's HTTP interface: routes.go maps the whole API, one
// file per area holds its handlers, and huma derives /openapi.json and
// /docs from the same declarations that validate requests.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/auth"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/generate"
	"github.com/velro-ai/velro/media"
	"github.com/velro-ai/velro/perf"
	"github.com/velro-ai/velro/service"
)

// Dependency is something /health/ready checks. A required one that fails
// makes the instance not ready; an optional one only degrades it.
type Dependency struct {
	Name     string
	Required bool
	Ping     func(ctx context.Context) error
}

// Config holds the server's dependencies: the use cases the handlers call,
// and the few parts they use directly.
type Config struct {
	Log      *slog.Logger
	Auth     *auth.Service
	Accounts *service.Accounts
	Projects *service.Projects
	Teams    *service.Teams
	Audit    *service.Audit
	Payments *service.Payments
	// Authz answers GET /generations/{id}/authorize, which reports the
	// cache layer that decided.
	Authz        *authz.Engine
	Dependencies []Dependency
	CORSOrigins  []string
	// Metrics serves /metrics (Prometheus text format); nil: not on this
	// server. MetricsToken, if set, is the bearer token it asks for.
	Metrics      http.Handler
	MetricsToken string
	// Perf tracks latencies and requests; nil: tracking is off.
	Perf        *perf.Tracker
	Generations *generate.Service
	Uploads     *service.Uploads
	Notifier    *generate.Notifier
	// Closing is closed when the server starts shutting down: open streams
	// end then (their clients reconnect to another instance) instead of
	// holding the shutdown. Nil: never.
	Closing <-chan struct{}
	Media   velro.MediaStore
	Signer  *media.Signer
	// PublicURL is the origin of signed media URLs; empty: the request's.
	PublicURL string
	// Studio serves the studio's pages (/, /signin, /generate, ...).
	Studio bool
	// TrustedProxies are the load balancers whose X-Forwarded-For is
	// believed.
	TrustedProxies []netip.Prefix
}

// NewServer returns the whole API as one handler.
func NewServer(cfg Config) http.Handler {
	mux := http.NewServeMux()
	hc := humaConfig()
	hc.Transformers = append(hc.Transformers, sessionCookies(cfg.Auth.Lifetime()))
	api := humago.New(modelIDMux{mux}, hc)
	addRoutes(mux, api, cfg)
	return withCORS(cfg.CORSOrigins, withBasics(cfg.Log, cfg.TrustedProxies, cfg.Perf, formAsJSON(cfg.Auth, cfg.Uploads, mux)))
}

func humaConfig() huma.Config {
	c := huma.DefaultConfig("Velro API", velro.Version)
	c.Info.Description = "Backend of the Velro AI creative platform. This document is the reference of every path, parameter and field; " +
		"the repository's docs/guide.md explains the concepts, who may do what, and the errors."
	c.AllowAdditionalPropertiesByDefault = true // unknown JSON fields are ignored
	c.CreateHooks = nil                         // no $schema links in responses
	c.DocsPath = ""                             // /docs is served with embedded assets (routes.go)
	c.Formats = map[string]huma.Format{"application/json": jsonFormat, "json": jsonFormat}
	c.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT"},
	}
	return c
}
