package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
)

const benchUsage = `usage:
  velro bench fixtures --url URL   register a benchmark account on a running server
                                   and print its credentials as shell variables
  velro bench trivial --addr ADDR  serve a trivial JSON handler: the machine's
                                   ceiling, measured beside every figure

scripts/bench.sh drives both with wrk; see README.md "Benchmarks".
`

// bench holds the helpers of the load tool (scripts/bench.sh).
func bench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, benchUsage)
		return errors.New("bench: say fixtures or trivial")
	}
	fs := flag.NewFlagSet("velro bench "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "http://127.0.0.1:8080", "server to prepare")
	addr := fs.String("addr", "127.0.0.1:8090", "address of the trivial server")
	sessions := fs.Int("sessions", 4, "extra sessions to open; their refresh tokens are printed as REFRESH_TOKENS")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "fixtures":
		return benchFixtures(ctx, *url, *sessions, stdout)
	case "trivial":
		return serveTrivial(ctx, *addr, stdout)
	}
	fmt.Fprint(stderr, benchUsage)
	return fmt.Errorf("bench: unknown mode %q", args[0])
}

// benchFixtures registers a fresh account, opens extra sessions and
// prints what the wrk scripts need.
func benchFixtures(ctx context.Context, url string, sessions int, stdout io.Writer) error {
	email := "bench-" + uuid.NewString()[:8] + "@example.com"
	password := "Bench-passw0rd"
	creds := map[string]string{"email": email, "password": password}
	first, err := postTokens(ctx, url+"/api/v1/auth/register", creds, http.StatusCreated)
	if err != nil {
		return err
	}
	refresh := make([]string, sessions)
	for i := range refresh {
		tok, err := postTokens(ctx, url+"/api/v1/auth/login", creds, http.StatusOK)
		if err != nil {
			return err
		}
		refresh[i] = tok.RefreshToken
	}
	gen, err := postJSON(ctx, url+"/api/v1/generations", first.AccessToken,
		map[string]any{"model_id": "local/image", "prompt": "benchmark", "parameters": map[string]any{"width": 64, "height": 64}}, http.StatusCreated)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "EMAIL=%s\nPASSWORD=%s\nTOKEN=%s\nREFRESH_TOKENS=%s\nGENERATION_ID=%s\n",
		email, password, first.AccessToken, strings.Join(refresh, ","), gen["id"])
	return nil
}

type benchTokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

func postTokens(ctx context.Context, url string, body any, want int) (*benchTokens, error) {
	m, err := postJSON(ctx, url, "", body, want)
	if err != nil {
		return nil, err
	}
	access, _ := m["access_token"].(string)
	refresh, _ := m["refresh_token"].(string)
	return &benchTokens{AccessToken: access, RefreshToken: refresh}, nil
}

// postJSON posts body (with a bearer token unless empty) and decodes the
// JSON answer, which must have the wanted status.
func postJSON(ctx context.Context, url, token string, body any, want int) (map[string]any, error) {
	raw, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		msg, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("POST %s: %s: %s", url, resp.Status, msg)
	}
	var out map[string]any
	return out, json.NewDecoder(resp.Body).Decode(&out)
}

// serveTrivial is the ceiling: the smallest Go JSON handler, on the same
// machine and under the same load as Velro.
func serveTrivial(ctx context.Context, addr string, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}`))
	})}
	fmt.Fprintf(stdout, "trivial server on http://%s\n", ln.Addr())
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
