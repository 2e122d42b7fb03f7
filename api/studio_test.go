package api_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/velro-ai/velro/api"
)

// TestStudioPages: every page of the studio is the studio's page, sent
// with a policy that runs only this server's scripts (no inline or eval'd
// script), no framing, and no sniffing; VELRO_STUDIO=off (Studio false)
// leaves them all 404 while the API stays.
func TestStudioPages(t *testing.T) {
	on := newFuzzServer(t, func(c *api.Config) { c.Studio = true })
	off := newFuzzServer(t)
	pages := []string{"/", "/signup", "/signin", "/forgot-password", "/reset-password?token=x", "/verify-email?token=x",
		"/confirm-email?token=x", "/invitations/abc", "/generate", "/gallery", "/generations/0b6c8b1e-5a0f-4f43-9d7c-3c1f8a7f2f10",
		"/projects", "/projects/p", "/teams", "/teams/t", "/credits", "/account", "/admin"}
	for _, path := range pages {
		w := httptest.NewRecorder()
		on.handler.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		csp := w.Header().Get("Content-Security-Policy")
		if w.Code != 200 || !strings.Contains(w.Body.String(), `<script type="module" src="/assets/studio/app.js">`) {
			t.Errorf("GET %s: %d, want the studio's page", path, w.Code)
		}
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want+";") && !strings.HasSuffix(csp, want) {
				t.Errorf("GET %s: policy %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("GET %s: policy %q allows inline or eval'd code", path, csp)
		}
		if w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q", path, w.Header().Get("X-Content-Type-Options"))
		}
		w = httptest.NewRecorder()
		off.handler.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != 404 {
			t.Errorf("GET %s with the studio off: %d, want 404", path, w.Code)
		}
	}
	// The studio's scripts are served, as JavaScript, from this server.
	for _, asset := range []string{"/assets/studio/app.js", "/assets/studio/lib.js", "/assets/studio/pages/generate.js", "/assets/studio/studio.css"} {
		w := httptest.NewRecorder()
		on.handler.ServeHTTP(w, httptest.NewRequest("GET", asset, nil))
		if w.Code != 200 || w.Header().Get("X-Content-Type-Options") != "nosniff" || w.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: %d, Cache-Control %q; want 200, no-cache (modules of one version only)", asset, w.Code, w.Header().Get("Cache-Control"))
		}
	}
	w := httptest.NewRecorder()
	on.handler.ServeHTTP(w, httptest.NewRequest("GET", "/assets/studio/index.html", nil))
	if w.Code != 404 {
		t.Errorf("GET /assets/studio/index.html: %d; the page must come only from its routes, with its policy", w.Code)
	}
}
