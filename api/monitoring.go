package api

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/perf"
	"github.com/velro-ai/velro/service"
)

// trackedRoutes are the routes whose whole request is a tracked operation
// (README.md, "Monitoring"); token verification, authorization checks and
// database calls are timed by their services.
var trackedRoutes = map[string]velro.Operation{
	"POST /api/v1/auth/register":             velro.OpAuthRegister,
	"POST /api/v1/auth/login":                velro.OpAuthLogin,
	"POST /api/v1/auth/refresh":              velro.OpAuthRefresh,
	"GET /api/v1/generations/{id}":           velro.OpGenerationAccess,
	"GET /api/v1/generations/{id}/authorize": velro.OpGenerationAccess,
	"POST /api/v1/generations":               velro.OpGenerationSubmit,
}

// trackRequest records a finished request in the tracker (nil: off).
func trackRequest(track *perf.Tracker, r *http.Request, status int, d time.Duration) {
	if track == nil {
		return
	}
	if status == 0 { // nothing written: net/http answers 200
		status = http.StatusOK
	}
	track.RequestDone(r.Method, r.Pattern, status, d)
	if op, ok := trackedRoutes[r.Pattern]; ok {
		track.Observe(op, d)
	}
}

type performanceInput struct {
	Window string `query:"window" default:"5m" doc:"Length of the window that ends now: a duration from 10s to 15m, like 5m"`
}

type performanceOutput struct{ Body *perf.Report }

// handlePerformance reports the tracked operations and the cache against
// their latency targets, to admins.
func handlePerformance(accounts *service.Accounts, track *perf.Tracker) func(context.Context, *performanceInput) (*performanceOutput, error) {
	return func(ctx context.Context, in *performanceInput) (*performanceOutput, error) {
		if _, err := accounts.RequireAdmin(ctx, principal(ctx).UserID, "see performance reports"); err != nil {
			return nil, err
		}
		if track == nil {
			return nil, velro.Errorf(velro.EUNAVAILABLE, "Performance tracking is off on this server (VELRO_PERF_TRACKING=off).")
		}
		window, err := time.ParseDuration(in.Window)
		if err != nil || window < track.Slot() || window > track.MaxWindow() {
			return nil, velro.Invalid("window", fmt.Sprintf("must be a duration from %v to %v, like 5m", track.Slot(), track.MaxWindow()))
		}
		return &performanceOutput{Body: track.Report(window)}, nil
	}
}

// MetricsHandler serves metrics to holders of the bearer token; an empty
// token lets everyone in.
func MetricsHandler(metrics http.Handler, token string) http.Handler {
	if token == "" {
		return metrics
	}
	want := []byte(token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok || subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			writeJSONError(w, &errorBody{Detail: "Missing or wrong metrics token.", Code: velro.EUNAUTHORIZED,
				RequestID: requestInfoFrom(r.Context()).id, status: http.StatusUnauthorized})
			return
		}
		metrics.ServeHTTP(w, r)
	})
}
