package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// rotateKeys runs "velro keys rotate" with the servers' settings and
// returns what it printed.
func rotateKeys(t *testing.T, e env) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(t.Context(), []string{"velro", "keys", "rotate"}, e.getenv, &out, io.Discard); err != nil {
		t.Fatalf("velro keys rotate: %v", err)
	}
	return out.String()
}

// jwksKids lists the key ids a server publishes.
func jwksKids(t *testing.T, c *client) []string {
	t.Helper()
	var kids []string
	for _, k := range c.do("GET", "/.well-known/jwks.json", nil).want(t, 200).JSON(t)["keys"].([]any) {
		kids = append(kids, k.(map[string]any)["kid"].(string))
	}
	return kids
}

// tokenKid is the kid in an access token's header.
func tokenKid(t *testing.T, token string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Kid string }
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h.Kid
}

// waitFor polls cond every 10 ms until it holds, failing after limit.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", limit, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// testKeyRotation rotates the signing key with "velro keys rotate" while
// the servers run: every server publishes both keys, tokens signed by the
// old key keep working everywhere, new tokens are signed by the new key,
// and every server verifies them; a second rotation drops the first key
// from new signatures but not from verification.
func testKeyRotation(t *testing.T, e env, servers ...*testServer) {
	clients := make([]*client, len(servers))
	for i, s := range servers {
		clients[i] = s.client(t)
	}
	c := clients[0]
	before := register(t, c, "before@example.com")
	oldKid := tokenKid(t, before.Access)
	if kids := jwksKids(t, c); !slices.Equal(kids, []string{oldKid}) {
		t.Fatalf("JWKS before rotation lists %v, tokens are signed by %s", kids, oldKid)
	}

	out := rotateKeys(t, e)
	var newKid string
	for _, c := range clients {
		waitFor(t, "the new key in the JWKS", 5*time.Second, func() bool { return len(jwksKids(t, c)) == 2 })
		kids := jwksKids(t, c)
		newKid = kids[0]
		if kids[1] != oldKid || newKid == oldKid || !strings.Contains(out, newKid) {
			t.Fatalf("JWKS after rotation lists %v (old key %s); velro keys rotate said %q", kids, oldKid, out)
		}
	}
	after := register(t, c, "after@example.com")
	if got := tokenKid(t, after.Access); got != newKid {
		t.Fatalf("a token issued after the rotation is signed by %s, want %s", got, newKid)
	}
	for _, c := range clients {
		c.with(before.Access).do("GET", "/api/v1/auth/me", nil).want(t, 200)
		c.with(after.Access).do("GET", "/api/v1/auth/me", nil).want(t, 200)
	}
	// Refreshing an old session signs its new access token with the new key.
	r := clients[len(clients)-1].do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": before.Refresh}).want(t, 200)
	if got := tokenKid(t, r.Str(t, "access_token")); got != newKid {
		t.Fatalf("refreshed token signed by %s, want %s", got, newKid)
	}

	rotateKeys(t, e)
	for _, c := range clients {
		waitFor(t, "the third key in the JWKS", 5*time.Second, func() bool { return !slices.Contains(jwksKids(t, c)[:1], newKid) })
		c.with(before.Access).do("GET", "/api/v1/auth/me", nil).want(t, 200)
		c.with(after.Access).do("GET", "/api/v1/auth/me", nil).want(t, 200)
	}
}

// TestKeyRotation: one server on each engine; on SQLite the server learns
// of the new key by re-reading the keys (VELRO_KEY_RELOAD), on PostgreSQL
// and Redis from the event the command publishes.
func TestKeyRotation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		if e["DATABASE_URL"] == "" {
			dir := t.TempDir()
			e = env{"VELRO_DATA_DIR": dir, "VELRO_KEY_RELOAD": "1s"}
		} else {
			e["VELRO_KEY_RELOAD"] = "1h" // the event must do it
		}
		testKeyRotation(t, e, startServer(t, e))
	})
}

// TestKeyRotationAcrossInstances: two servers sharing storage both pick up
// the rotation without a restart, through the bus (Redis, Redis Cluster,
// or PostgreSQL NOTIFY).
func TestKeyRotationAcrossInstances(t *testing.T) {
	forEachSharedBackend(t, func(t *testing.T, e env) {
		e["VELRO_KEY_RELOAD"] = "1h"
		testKeyRotation(t, e, startServer(t, e), startServer(t, e))
	})
}
