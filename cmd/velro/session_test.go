package main

import (
	"io"
	"testing"
	"time"
)

// serverDB opens the database of a server started with e (the SQLite file
// in its data dir, or e's DATABASE_URL), for a test to change rows behind
// the server's back.
func serverDB(t *testing.T, s *testServer, e env) engine {
	t.Helper()
	full := env{"VELRO_DATA_DIR": s.DataDir}
	for k, v := range e {
		full[k] = v
	}
	cfg, err := parseConfig("velro", nil, full.getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	db, err := openEngine(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// ageSession moves the account's sessions into the past: created and last
// refreshed that long ago.
func ageSession(t *testing.T, db engine, a account, created, refreshed time.Duration) {
	t.Helper()
	now := time.Now().UTC()
	n, err := db.Writer().Exec(t.Context(), `UPDATE sessions SET created_at = $1, refreshed_at = $2 WHERE user_id = $3`,
		now.Add(-created), now.Add(-refreshed), a.ID)
	if err != nil || n != 1 {
		t.Fatalf("age the session of %s: %d rows, %v", a.Email, n, err)
	}
}

// TestSessionLifetime: a session ends 30 days after its last refresh and
// 90 days after login whatever happens (refresh -> 401), and its access
// tokens stop working with it; a session within both limits refreshes.
func TestSessionLifetime(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		s := startServer(t, e)
		c := s.client(t)
		db := serverDB(t, s, e)

		old := register(t, c, "old@example.com")
		ageSession(t, db, old, 400*24*time.Hour, time.Hour)
		c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": old.Refresh}).wantError(t, 401, "unauthorized")
		c.with(old.Access).do("GET", "/api/v1/auth/me", nil).wantError(t, 401, "unauthorized")

		maxed := register(t, c, "maxed@example.com")
		ageSession(t, db, maxed, 90*24*time.Hour+time.Minute, time.Minute)
		c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": maxed.Refresh}).wantError(t, 401, "unauthorized")

		idle := register(t, c, "idle@example.com")
		ageSession(t, db, idle, 31*24*time.Hour, 30*24*time.Hour+time.Minute)
		c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": idle.Refresh}).wantError(t, 401, "unauthorized")

		live := register(t, c, "live@example.com")
		ageSession(t, db, live, 89*24*time.Hour, 29*24*time.Hour)
		r := c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": live.Refresh}).want(t, 200).JSON(t)
		c.with(r["access_token"].(string)).do("GET", "/api/v1/auth/me", nil).want(t, 200)
		// The refresh restarted the idle clock, not the absolute one.
		c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": r["refresh_token"]}).want(t, 200)

		// A new login is a new session with its own clocks.
		c.do("POST", "/api/v1/auth/login", map[string]any{"email": old.Email, "password": old.Password}).want(t, 200)
	})
}

// TestSessionLifetimeSettings: VELRO_SESSION_IDLE and VELRO_SESSION_MAX
// replace the 30 and 90 days.
func TestSessionLifetimeSettings(t *testing.T) {
	e := env{"VELRO_SESSION_IDLE": "1h", "VELRO_SESSION_MAX": "24h"}
	s := startServer(t, e)
	c := s.client(t)
	db := serverDB(t, s, e)

	idle := register(t, c, "idle@example.com")
	ageSession(t, db, idle, 2*time.Hour, 2*time.Hour)
	c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": idle.Refresh}).wantError(t, 401, "unauthorized")

	maxed := register(t, c, "maxed@example.com")
	ageSession(t, db, maxed, 25*time.Hour, time.Minute)
	c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": maxed.Refresh}).wantError(t, 401, "unauthorized")

	live := register(t, c, "live@example.com")
	ageSession(t, db, live, 23*time.Hour, 50*time.Minute)
	c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": live.Refresh}).want(t, 200)
}
