package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/velro-ai/velro/loadtest"
)

// benchArgs are short runs of every scenario on small seeds: enough to
// exercise each path of the suite, far too short for figures.
func benchArgs(url string, extra ...string) []string {
	return append([]string{"velro", "bench", "--url", url, "--duration", "300ms",
		"--users", "50", "--accounts", "6", "--generations", "4", "--rate", "100",
		"--connections", "40", "--hold-rate", "100"}, extra...)
}

// serverEnv turns off a registration throttle, as the bench asks of the
// servers it seeds.
func serverEnv(e env) env {
	e["VELRO_REGISTER_LIMIT"] = "0"
	return e
}

// TestBenchTable runs every scenario with the ceiling beside it against a
// real server and reads the Markdown table.
func TestBenchTable(t *testing.T) {
	s := startServer(t, serverEnv(env{}))
	// --compare starts the trivial server as a child process of this
	// binary, which runs main when asked to (TestMain).
	t.Setenv("VELRO_TEST_RUN_MAIN", "1")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), benchArgs(s.URL, "--compare"), env{}.getenv, &stdout, &stderr); err != nil {
		t.Fatalf("bench: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	table := stdout.String()
	wantRows := []string{"health", "register", "login", "refresh", "me", "authorize warm", "authorize cold",
		"generation-access", "submit", "mixed 50 users", "· authorize", "connections"}
	rows := map[string][]string{}
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 13 || strings.HasPrefix(cells[1], "---") {
			continue
		}
		rows[strings.TrimSpace(cells[1])] = cells[1 : len(cells)-1]
	}
	for _, name := range wantRows {
		cells, ok := rows[name]
		if !ok {
			t.Errorf("no row %q in\n%s", name, table)
			continue
		}
		if errors := strings.TrimSpace(cells[7]); errors != "0" {
			t.Errorf("row %q has %s errors:\n%s", name, errors, table)
		}
		if name != "· authorize" && strings.TrimSpace(cells[8]) == "" {
			t.Errorf("row %q has no ceiling beside it:\n%s", name, table)
		}
	}
	for _, want := range []string{
		"| PASS | health (c=100, max) | no errors | original suite |",
		"| PASS | connections (100/s, c=40) | every connection held | BENCHMARKS.md goals | 40 of 40 open, 0 reopened",
		"authorize cold (c=32, max): l3 ",
		"one argon2id hash in the bench process: ",
		"| authorization < 75.0 ms | README.md targets (p99) |",
		"| req/s >= 75% of the ceiling | BENCHMARKS.md goals |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the report lacks %q:\n%s", want, table)
		}
	}
	if strings.Contains(table, "STOPPED") || strings.Contains(table, "needs --compare") {
		t.Errorf("the run stopped or lacked its ceiling:\n%s", table)
	}
}

// TestBenchJSON reads --json on each storage configuration.
func TestBenchJSON(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		s := startServer(t, serverEnv(e))
		var stdout, stderr bytes.Buffer
		args := benchArgs(s.URL, "--json", "authorize", "mixed", "connections")
		if err := run(context.Background(), args, env{}.getenv, &stdout, &stderr); err != nil {
			t.Fatalf("bench: %v\n%s\n%s", err, stdout.String(), stderr.String())
		}
		var r loadtest.Report
		if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
			t.Fatalf("--json printed no report: %v\n%s", err, stdout.String())
		}
		if r.Seeded.Accounts != 6 || r.Seeded.Generations != 4 || r.Server.RSSStartBytes == 0 || r.Stopped != "" {
			t.Fatalf("seeded %+v, server %+v, stopped %q", r.Seeded, r.Server, r.Stopped)
		}
		byName := map[string]*loadtest.Row{}
		for _, row := range r.Rows {
			if row.Requests == 0 || row.Errors != 0 || row.RPS <= 0 || row.Latency.P99 < row.Latency.P50 || row.Latency.Max < row.Latency.P99 {
				t.Errorf("row %s (%s): %+v, errors %v", row.Name(), row.Load, row.Figures, row.ErrorSamples)
			}
			if len(row.Goals) == 0 {
				t.Errorf("row %s judged by no goal", row.Name())
			}
			byName[row.Name()+" "+row.Load] = row
		}
		if len(r.Rows) != 5 {
			t.Fatalf("%d rows, want 3 authorize, mixed and connections", len(r.Rows))
		}
		warm, cold := byName["authorize warm c=64, max"], byName["authorize cold c=32, max"]
		if warm == nil || cold == nil {
			t.Fatalf("rows: %v", byName)
		}
		// Each of the 64 connections asks about one pair: only its first
		// check can miss L1.
		if warm.Cache["l1"] == 0 || warm.Requests-warm.Cache["l1"] > 64 {
			t.Errorf("warm checks missed L1: %d requests, cache %v", warm.Requests, warm.Cache)
		}
		// 6 accounts x 4 generations: 24 pairs, each asked once, all at the
		// row's start (32 connections), then the row ends.
		if cold.Requests != 24 || cold.Cache["l3"] != 24 {
			t.Errorf("cold checks: %d requests, cache %v", cold.Requests, cold.Cache)
		}
		mixed := byName["mixed 50 users 100/s, c=256"]
		if mixed == nil || len(mixed.Ops) < 3 || !mixed.OpenLoop {
			t.Fatalf("mixed row: %+v", mixed)
		}
		held := byName["connections 100/s, c=40"]
		if held == nil || held.Held == nil || held.Held.Opened != 40 || held.Held.Reconnects != 0 || held.Held.ServerOpenFDs < 40 {
			t.Fatalf("connections row: %+v", held)
		}
	})
}

// TestBenchThrottledRegistration: a server that throttles registrations
// stops the bench with the setting to change, not with figures of 429s.
// The stand-in answers as a throttling Velro server does.
func TestBenchThrottledRegistration(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health/ready", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"status":"ready","dependencies":{"database":{"status":"up","required":true}}}`))
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"status":"healthy"}`)) })
	mux.HandleFunc("POST /api/v1/auth/register", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte(`{"detail":"Too many registrations from this client.","error":"rate_limited"}`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, scenario := range []string{"register", "login"} { // the register row, and seeding
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), benchArgs(srv.URL, scenario), env{}.getenv, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), "VELRO_REGISTER_LIMIT=0") || !strings.Contains(err.Error(), "Retry-After 3600") {
			t.Fatalf("%s: got %v", scenario, err)
		}
		if !strings.Contains(stdout.String(), "STOPPED before the end: ") || strings.Contains(stdout.String(), "| "+scenario+" |") {
			t.Errorf("%s: the report does not say why it stopped, or shows figures of the refused requests:\n%s", scenario, stdout.String())
		}
	}
}

// TestBenchCappedSubmits: a server that caps each user's generations in
// flight stops the bench, while seeding or submitting, with the setting to
// change.
func TestBenchCappedSubmits(t *testing.T) {
	s := startServer(t, serverEnv(env{"VELRO_MAX_ACTIVE_GENERATIONS": "1", "VELRO_LOCAL_RENDER_DELAY": "5s"}))
	for _, scenario := range []string{"generation-access", "submit"} { // seeding, and the submit row
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), benchArgs(s.URL, scenario), env{}.getenv, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), "VELRO_MAX_ACTIVE_GENERATIONS=0") {
			t.Fatalf("%s: got %v", scenario, err)
		}
		if strings.Contains(stdout.String(), "| "+scenario+" |") {
			t.Errorf("%s: the report shows figures of the refused requests:\n%s", scenario, stdout.String())
		}
	}
}
