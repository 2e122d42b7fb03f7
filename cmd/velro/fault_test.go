package main

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/velro-ai/velro/internal/testenv"
)

// TestDatabaseStopsAnswering: with a table locked by another session, a
// request that needs it gets 503 within the database deadline, not a hang;
// once the lock goes, it works again.
func TestDatabaseStopsAnswering(t *testing.T) {
	url := testenv.PostgresURL(t)
	c := startServer(t, env{"DATABASE_URL": url, "VELRO_DB_TIMEOUT": "300ms"}).client(t)
	a := c.with(register(t, c, "ada@example.com").Access)
	a.do("GET", "/api/v1/credits/transactions", nil).want(t, 200)

	locker, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close(context.Background())
	tx, err := locker.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(t.Context(), "LOCK TABLE credit_transactions IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	a.do("GET", "/api/v1/credits/transactions", nil).wantError(t, 503, "unavailable")
	// Only a hang fails (the lock is held until after the request); how
	// close the answer comes to the deadline is not timed under -race.
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the request waited %v with a 300 ms database deadline", d)
	}
	t.Logf("answered 503 after %v", time.Since(start))
	tx.Rollback(context.Background())
	a.do("GET", "/api/v1/credits/transactions", nil).want(t, 200)
}

// TestRedisStops: a private Redis is killed under a running server. The
// server stays up: ready but degraded, authorization answered by the
// database (never by a cache that can no longer hear revocations), logins
// still possible.
func TestRedisStops(t *testing.T) {
	redisPath := testenv.Command(t, "redis-server", "redis-server")
	port := freePort(t)
	rs := exec.Command(redisPath, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := rs.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { rs.Process.Kill(); rs.Wait() }()
	waitPort(t, port)

	c := startServer(t, env{"DATABASE_URL": testenv.PostgresURL(t), "REDIS_URL": fmt.Sprintf("redis://127.0.0.1:%d/0", port)}).client(t)
	acct := register(t, c, "ada@example.com")
	a := c.with(acct.Access)
	project := a.do("POST", "/api/v1/projects", map[string]any{"name": "P"}).want(t, 201).Str(t, "id")
	a.do("GET", "/api/v1/projects/"+project, nil).want(t, 200)

	rs.Process.Kill()
	rs.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := c.do("GET", "/health/ready", nil).want(t, 200).JSON(t)
		if r["status"] == "degraded" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readiness with Redis gone: %v", r)
		}
		time.Sleep(50 * time.Millisecond)
	}
	a.do("GET", "/api/v1/projects/"+project, nil).want(t, 200)
	id := submit(t, a, map[string]any{"model_id": "local/image", "prompt": "without redis"})["id"].(string)
	if d := a.do("GET", "/api/v1/generations/"+id+"/authorize", nil).want(t, 200).JSON(t); d["cache"] == "l1" || d["cache"] == "l2" {
		t.Fatalf("answered from %v while the bus is down", d["cache"])
	}
	c.do("POST", "/api/v1/auth/login", map[string]any{"email": acct.Email, "password": acct.Password}).want(t, 200)
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func waitPort(t *testing.T, port int) {
	for range 100 {
		if conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			conn.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %d", port)
}
