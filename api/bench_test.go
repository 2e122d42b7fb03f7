package api_test

import (
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/api"
	"github.com/velro-ai/velro/auth"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/bus"
	"github.com/velro-ai/velro/guard"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/perf"
	"github.com/velro-ai/velro/storetest"
)

// BenchmarkAuthorize is GET /api/v1/generations/{id}/authorize through the
// whole handler (middleware, token verification, a warm authorization
// check, the response), with performance tracking off and on: the server's
// CPU time per request (cpu-ns/op), which bounds its throughput. net/http's
// connection handling is left out, so tracking's share is overstated, not
// understated.
func BenchmarkAuthorize(b *testing.B) {
	store := testenv.Store(b, testenv.SQLite(b), 0)
	var token, path string
	for _, tracking := range []string{"off", "on"} {
		var observer velro.Observer
		var tracker *perf.Tracker
		if tracking == "on" {
			tracker = perf.New(perf.Config{})
			observer = tracker
		}
		events := new(bus.Local)
		engine := authz.New(authz.Config{Store: store, Bus: events, Observer: observer})
		svc, err := auth.NewService(b.Context(), guard.New(store, engine, events), auth.Config{Bus: events, Observer: observer})
		if err != nil {
			b.Fatal(err)
		}
		if token == "" {
			res, err := svc.Register(b.Context(), "bench@example.com", "Bench-passw0rd", "", "127.0.0.1")
			if err != nil {
				b.Fatal(err)
			}
			token = res.AccessToken
			path = "/api/v1/generations/" + storetest.NewGeneration(b, store, res.User.ID, nil).ID.String() + "/authorize"
		}
		handler := api.NewServer(api.Config{Log: slog.New(slog.DiscardHandler), Auth: svc, Authz: engine, Perf: tracker})
		b.Run("tracking="+tracking, func(b *testing.B) {
			b.ReportAllocs()
			testenv.ReportCPU(b, func() {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						r := httptest.NewRequest("GET", path, nil)
						r.Header.Set("Authorization", "Bearer "+token)
						w := httptest.NewRecorder()
						handler.ServeHTTP(w, r)
						if w.Code != 200 {
							b.Fatalf("status %d: %s", w.Code, w.Body)
						}
					}
				})
			})
		})
	}
}
