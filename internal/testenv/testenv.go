// Package testenv gives tests the external services named by the
// environment: VELRO_TEST_DATABASE_URL (PostgreSQL) and VELRO_TEST_REDIS_URL.
// A test that needs an absent service is skipped with a clear message, or
// fails when VELRO_TEST_REQUIRE_SERVICES=1 (CI), so CI can never pass by
// skipping.
package testenv

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/velro-ai/velro/internal/skipped"
)

func require(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		if os.Getenv("VELRO_TEST_REQUIRE_SERVICES") == "1" {
			t.Fatalf("%s is not set but VELRO_TEST_REQUIRE_SERVICES=1", name)
		}
		skipped.Note(name)
		t.Skipf("%s is not set; skipping (README.md, \"Test\", says how to run these)", name)
	}
	return v
}

// PostgresURL creates a fresh, empty database on the server named by
// VELRO_TEST_DATABASE_URL, drops it when the test ends, and returns its URL.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := require(t, "VELRO_TEST_DATABASE_URL")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to VELRO_TEST_DATABASE_URL: %v", err)
	}
	defer admin.Close(ctx)
	name := "velro_test_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("drop test database: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("VELRO_TEST_DATABASE_URL must be a postgres:// URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// RedisURL returns VELRO_TEST_REDIS_URL. Tests sharing one Redis keep apart
// through the key prefix each server is given.
func RedisURL(t testing.TB) string {
	t.Helper()
	return require(t, "VELRO_TEST_REDIS_URL")
}
