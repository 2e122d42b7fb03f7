package api

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestLoggedPath: the written table of paths and what the access log keeps
// of them.
func TestLoggedPath(t *testing.T) {
	const token = "q3Yx2k9Zb-TfW_1cVn0aLpR7sDhE4uJmOiK8gNy5Bw6" // 43 characters, as mailed
	mux := http.NewServeMux()
	var got string
	record := func(w http.ResponseWriter, r *http.Request) { got = loggedPath(r) }
	mux.HandleFunc("GET /api/v1/invitations/{token}", record)
	mux.HandleFunc("POST /api/v1/invitations/{token}/accept", record)
	mux.HandleFunc("GET /api/v1/generations/{id}", record)
	mux.HandleFunc("GET /media/{key...}", record)
	mux.HandleFunc("/", record)
	for _, c := range []struct{ method, path, want string }{
		{"GET", "/api/v1/invitations/" + token, "/api/v1/invitations/[redacted]"},
		{"POST", "/api/v1/invitations/" + token + "/accept", "/api/v1/invitations/[redacted]/accept"},
		{"POST", "/api/v1/invitations/short/accept", "/api/v1/invitations/[redacted]/accept"}, // the route says it is a token
		{"GET", "/invitations/" + token, "/invitations/[redacted]"},                           // no route names it: its shape does
		{"GET", "/api/v1/nowhere/" + token + "/x", "/api/v1/nowhere/[redacted]/x"},
		{"GET", "/api/v1/generations/0b7e4c52-8f0e-4c3e-9a51-2d1f6c0a9b3e", "/api/v1/generations/0b7e4c52-8f0e-4c3e-9a51-2d1f6c0a9b3e"},
		{"GET", "/media/uploads/0b7e4c52-8f0e-4c3e-9a51-2d1f6c0a9b3e/original.png?expires=1&sig=" + token,
			"/media/uploads/0b7e4c52-8f0e-4c3e-9a51-2d1f6c0a9b3e/original.png"},
		{"GET", "/api/v1/models/fal-ai/kling-video/v2.1/master/image-to-video", "/api/v1/models/fal-ai/kling-video/v2.1/master/image-to-video"},
	} {
		got = ""
		mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(c.method, c.path, nil))
		if got != c.want {
			t.Errorf("%s %s logged as %q, want %q", c.method, c.path, got, c.want)
		}
	}
}
