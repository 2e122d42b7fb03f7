package main

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPerformanceEndpoint: GET /api/v1/monitoring/performance has the
// documented shape, counts the traffic just sent, and is for admins only.
func TestPerformanceEndpoint(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		s := startServer(t, e)
		e["VELRO_DATA_DIR"] = s.DataDir
		c := s.client(t)
		boss, ada := adminOf(t, c, e, "boss@example.com"), register(t, c, "ada@example.com")
		a := c.with(ada.Access)
		gen := submit(t, a, map[string]any{"model_id": "local/image", "prompt": "a fox"})["id"].(string)
		for range 10 { // 20 samples of generation_access: enough to be judged
			a.do("GET", "/api/v1/generations/"+gen, nil).want(t, 200)
			a.do("GET", "/api/v1/generations/"+gen+"/authorize", nil).want(t, 200)
		}
		c.do("POST", "/api/v1/auth/login", map[string]any{"email": ada.Email, "password": ada.Password}).want(t, 200)
		c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": ada.Refresh}).want(t, 200)

		c.do("GET", "/api/v1/monitoring/performance", nil).wantError(t, 401, "unauthorized")
		a.do("GET", "/api/v1/monitoring/performance", nil).wantError(t, 403, "forbidden")
		admin := c.with(boss.Access)
		admin.do("GET", "/api/v1/monitoring/performance?window=2h", nil).wantError(t, 422, "invalid")
		admin.do("GET", "/api/v1/monitoring/performance?window=soon", nil).wantError(t, 422, "invalid")
		if w := admin.do("GET", "/api/v1/monitoring/performance?window=30s", nil).want(t, 200).JSON(t)["window_seconds"]; w != 30.0 {
			t.Fatalf("window_seconds %v for ?window=30s", w)
		}

		r := admin.do("GET", "/api/v1/monitoring/performance", nil).want(t, 200).JSON(t)
		if got := slices.Sorted(maps.Keys(r)); !slices.Equal(got, []string{"cache", "generated_at", "min_samples", "operations", "prd_compliance", "timeline", "window_seconds"}) {
			t.Fatalf("report fields %v", got)
		}
		if at, err := time.Parse(time.RFC3339, r["generated_at"].(string)); r["window_seconds"] != 300.0 || err != nil || time.Since(at) > time.Minute {
			t.Fatalf("window_seconds %v, generated_at %v", r["window_seconds"], r["generated_at"])
		}
		if p := r["prd_compliance"]; (p != "pass" && p != "fail") || r["min_samples"] != 20.0 {
			t.Fatalf("prd_compliance %v, min_samples %v", p, r["min_samples"])
		}
		targets := map[string]float64{"auth_register": 50, "auth_login": 50, "auth_refresh": 50, "token_verify": 50,
			"authorization_check": 75, "generation_access": 100, "generation_submit": 100, "db_query": 50}
		ops := r["operations"].(map[string]any)
		if len(ops) != len(targets) {
			t.Fatalf("operations %v", slices.Sorted(maps.Keys(ops)))
		}
		for name, target := range targets {
			op, ok := ops[name].(map[string]any)
			if !ok {
				t.Fatalf("no operation %s", name)
			}
			if got := slices.Sorted(maps.Keys(op)); !slices.Equal(got, []string{"count", "max_ms", "mean_ms", "median_ms", "min_ms",
				"p95_ms", "p99_ms", "status", "target_ms", "violations"}) {
				t.Fatalf("%s fields %v", name, got)
			}
			// Every operation ran at least once above (the report's own
			// request verified a token and read the database too); those
			// with fewer than 20 samples are not judged.
			judged := op["status"] == "pass" || op["status"] == "fail"
			if op["count"].(float64) < 1 || op["target_ms"] != target || judged != (op["count"].(float64) >= 20) ||
				!judged && op["status"] != "no_data" {
				t.Errorf("%s: %v", name, op)
			}
			if !(op["min_ms"].(float64) <= op["median_ms"].(float64) && op["median_ms"].(float64) <= op["p95_ms"].(float64) &&
				op["p95_ms"].(float64) <= op["p99_ms"].(float64) && op["p99_ms"].(float64) <= op["max_ms"].(float64) && op["min_ms"].(float64) > 0) {
				t.Errorf("%s percentiles out of order: %v", name, op)
			}
		}
		if n := ops["generation_access"].(map[string]any)["count"]; n != 20.0 {
			t.Errorf("generation_access counted %v requests, want the 10 GETs and 10 authorizes", n)
		}
		for name, want := range map[string]string{"auth_register": "no_data", "auth_login": "no_data", "auth_refresh": "no_data"} {
			if got := ops[name].(map[string]any)["status"]; got != want {
				t.Errorf("%s, with a few samples: %v, want %s", name, got, want)
			}
		}
		cache := r["cache"].(map[string]any)
		for _, layer := range []string{"l1", "l2", "l3", "overall"} {
			l, ok := cache[layer].(map[string]any)
			if !ok || len(l) != 3 || l["hits"] == nil || l["misses"] == nil || l["hit_rate"] == nil {
				t.Errorf("cache layer %s: %v", layer, cache[layer])
			}
		}
		if cache["target"] != 0.95 || (cache["status"] != "pass" && cache["status"] != "fail") {
			t.Errorf("cache %v", cache)
		}
		// The checks above: the authorizes and the GETs (an L3 answer,
		// then L1).
		if overall := cache["overall"].(map[string]any); overall["hits"].(float64)+overall["misses"].(float64) < 20 {
			t.Errorf("overall cache %v", overall)
		}
	})
}

func TestPerformanceTrackingOff(t *testing.T) {
	e := env{"VELRO_PERF_TRACKING": "off"}
	s := startServer(t, e)
	e["VELRO_DATA_DIR"] = s.DataDir
	c := s.client(t)
	boss := adminOf(t, c, e, "boss@example.com")
	c.with(boss.Access).do("GET", "/api/v1/monitoring/performance", nil).wantError(t, 503, "unavailable")
	if m := string(c.do("GET", "/metrics", nil).want(t, 200).Body); strings.Contains(m, "velro_http_request_duration_seconds") ||
		strings.Contains(m, "velro_operation_duration_seconds") || !strings.Contains(m, "velro_authz_checks_total") {
		t.Fatal("with tracking off, /metrics still tracks requests or lost the other metrics")
	}
}

// TestMetricsRouteLabels: requests on routes with ids are labelled with the
// route pattern, never the path; the pool and queue gauges are there, and
// so is every metric the Grafana dashboard in deploy/ queries.
func TestMetricsRouteLabels(t *testing.T) {
	exported := map[string]bool{}
	forEachBackend(t, func(t *testing.T, e env) {
		s := startServer(t, e)
		c := s.client(t)
		ada := register(t, c, "ada@example.com")
		a := c.with(ada.Access)
		project := a.do("POST", "/api/v1/projects", map[string]any{"name": "P"}).want(t, 201).Str(t, "id")
		team := a.do("POST", "/api/v1/teams", map[string]any{"name": "T"}).want(t, 201).Str(t, "id")
		gen := submit(t, a, map[string]any{"model_id": "local/image", "prompt": "labels", "project_id": project})["id"].(string)
		waitStatus(t, a, gen, "completed")
		media := a.do("GET", "/api/v1/generations/"+gen+"/media-urls", nil).want(t, 200).JSON(t)["primary_url"].(string)
		path := media[strings.Index(media, "/media/"):]
		c.do("GET", path, nil).want(t, 200)
		ids := []string{project, team, gen, ada.ID, "00000000-0000-0000-0000-00000000abcd", "not-an-id"}
		for _, p := range []string{"/api/v1/projects/" + project, "/api/v1/teams/" + team, "/api/v1/generations/" + gen + "/authorize",
			"/api/v1/generations/" + gen + "/stream", "/api/v1/generations/not-an-id", "/api/v1/nothing/00000000-0000-0000-0000-00000000abcd"} {
			a.do("GET", p, nil)
		}
		a.do("DELETE", "/api/v1/teams/"+team+"/members/"+ada.ID, nil).want(t, 409) // the owner cannot leave

		m := string(c.do("GET", "/metrics", nil).want(t, 200).Body)
		uuid := regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-`)
		routes := map[string]bool{}
		for _, line := range strings.Split(m, "\n") {
			if !strings.HasPrefix(line, "velro_http_request_duration_seconds_count{") {
				continue
			}
			route := regexp.MustCompile(`route="([^"]*)"`).FindStringSubmatch(line)[1]
			routes[route] = true
			for _, id := range ids {
				if strings.Contains(line, id) {
					t.Errorf("an id in a label: %s", line)
				}
			}
			if uuid.MatchString(line) || strings.Contains(line, "/media/"+path[len("/media/"):]) {
				t.Errorf("a raw path in a label: %s", line)
			}
		}
		for _, want := range []string{"/api/v1/projects/{id}", "/api/v1/teams/{id}", "/api/v1/generations/{id}", "/api/v1/generations/{id}/authorize",
			"/api/v1/generations/{id}/stream", "/api/v1/generations/{id}/media-urls", "/api/v1/teams/{id}/members/{user_id}", "/media/{key...}", "unmatched"} {
			if !routes[want] {
				t.Errorf("no requests counted for route %s (routes: %v)", want, routes)
			}
		}
		pool := `go_sql_open_connections{db_name="sqlite_writer"}`
		if e["DATABASE_URL"] != "" {
			pool = `pgxpool_total_conns{db_name="velro"}`
		}
		for _, want := range []string{pool, "velro_http_requests_in_flight 1", "velro_sse_streams_open 0",
			`velro_operation_duration_seconds_count{operation="generation_access"}`} {
			if !strings.Contains(m, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		// The one job is running or completed by now, as River tells.
		jobs := regexp.MustCompile(`(?m)^velro_jobs\{state="(\w+)"\} (\d+)$`).FindAllStringSubmatch(m, -1)
		total := 0
		for _, j := range jobs {
			n, _ := strconv.Atoi(j[2])
			total += n
		}
		if len(jobs) != 8 || total != 1 {
			t.Errorf("job gauges %v, want 8 states holding 1 job", jobs)
		}
		for _, name := range regexp.MustCompile(`(?m)^(\w+?)(\{| )`).FindAllStringSubmatch(m, -1) {
			exported[name[1]] = true
		}
	})
	dashboard, err := os.ReadFile(filepath.Join("..", "..", "deploy", "grafana", "velro.json"))
	if err != nil {
		t.Fatal(err)
	}
	queried := regexp.MustCompile(`\b(?:velro|pgxpool|go|process)_\w+`).FindAllString(string(dashboard), -1)
	for _, name := range queried {
		if !exported[name] && (exported["pgxpool_total_conns"] || !strings.HasPrefix(name, "pgxpool_")) {
			t.Errorf("the Grafana dashboard queries %s, which /metrics does not export", name)
		}
	}
	if len(queried) < 15 {
		t.Fatalf("found only %v in the dashboard", queried)
	}
}

// TestMetricsProtection: VELRO_METRICS_TOKEN makes /metrics ask for the
// token; VELRO_METRICS_ADDR moves it off the API's address.
func TestMetricsProtection(t *testing.T) {
	c := startServer(t, env{"VELRO_METRICS_TOKEN": "s3cret-scrape"}).client(t)
	r := c.do("GET", "/metrics", nil).wantError(t, 401, "unauthorized")
	if r.Header.Get("WWW-Authenticate") != `Bearer realm="metrics"` {
		t.Fatalf("WWW-Authenticate %q", r.Header.Get("WWW-Authenticate"))
	}
	c.with("s3cret-scrapf").do("GET", "/metrics", nil).wantError(t, 401, "unauthorized")
	if m := c.with("s3cret-scrape").do("GET", "/metrics", nil).want(t, 200); !strings.Contains(string(m.Body), "velro_http_request_duration_seconds") {
		t.Fatal("/metrics with the token lacks the request metrics")
	}

	port := freePort(t)
	s := startServer(t, env{"VELRO_METRICS_ADDR": fmt.Sprintf("127.0.0.1:%d", port), "VELRO_METRICS_TOKEN": "s3cret-scrape"})
	c = s.client(t)
	c.with("s3cret-scrape").do("GET", "/metrics", nil).want(t, 404)
	internal := &client{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", port), http: c.http}
	internal.do("GET", "/metrics", nil).want(t, 401)
	if m := internal.with("s3cret-scrape").do("GET", "/metrics", nil).want(t, 200); !strings.Contains(string(m.Body), "velro_jobs") {
		t.Fatal("the metrics address does not serve the metrics")
	}
}
