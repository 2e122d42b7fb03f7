// Package web serves Velro's browser pages: the studio (Velro's web app,
// studio/), the performance dashboard and the API reference. Their scripts and stylesheets, Velro's own and the
// vendored npm packages (vendor/README.md), are embedded in the binary, so
// the pages work offline and never contact another host.
package web

import (
	"embed"
	"net/http"
	"strings"
)

//go:embed dashboard.html docs.html dashboard.js dashboard.css vendor/*/*.js vendor/*/*.css vendor/*/LICENSE* studio
var files embed.FS

// AssetsPrefix is the path under which Assets serves the embedded files.
const AssetsPrefix = "/assets/"

// Content-Security-Policy of each page: only this server's scripts, styles
// and API. The API reference's components set inline styles.
var (
	dashboardPolicy = policy("script-src 'self'", "style-src 'self'", "img-src 'self' data:")
	// The studio shows media (Velro's signed URLs, and local previews of
	// files about to be uploaded).
	studioPolicy = policy("script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:", "media-src 'self' blob:")
	docsPolicy   = policy("script-src 'self'", "img-src 'self' data:", "style-src 'self' 'unsafe-inline'", "font-src 'self' data:", "worker-src 'self' blob:")
)

func policy(extra ...string) string {
	return strings.Join(append([]string{"default-src 'none'", "connect-src 'self'",
		"base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"}, extra...), "; ")
}

// StudioPages are the paths of the studio's pages: each serves the same
// page, whose script shows the one the path names.
var StudioPages = []string{"/{$}", "/signup", "/signin", "/forgot-password", "/reset-password", "/verify-email",
	"/confirm-email", "/invitations/{token}", "/generate", "/gallery", "/generations/{id}", "/projects",
	"/projects/{id}", "/teams", "/teams/{id}", "/credits", "/account", "/admin"}

// Studio serves the studio's page.
func Studio() http.Handler { return page("studio/index.html", studioPolicy) }

// Dashboard serves the performance dashboard page.
func Dashboard() http.Handler { return page("dashboard.html", dashboardPolicy) }

// Docs serves the interactive API reference of /openapi.json.
func Docs() http.Handler { return page("docs.html", docsPolicy) }

func page(name, csp string) http.Handler {
	body, err := files.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", csp)
		h.Set("Cache-Control", "no-cache")
		w.Write(body)
	})
}

// Assets serves the embedded scripts and stylesheets under AssetsPrefix.
func Assets() http.Handler {
	serve := http.StripPrefix(AssetsPrefix, http.FileServerFS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".html") || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // pages have their own routes and policies; no listings
			return
		}
		if strings.HasPrefix(r.URL.Path, AssetsPrefix+"studio/") {
			// The studio's modules import each other: after an upgrade, a
			// cached old module beside a new one would break the page.
			w.Header().Set("Cache-Control", "no-cache")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=3600")
		}
		serve.ServeHTTP(w, r)
	})
}
