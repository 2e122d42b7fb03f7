package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver goose runs on
	"github.com/pressly/goose/v3"
	"github.com/velro-ai/velro/internal/testenv"
)

var (
	createTable = regexp.MustCompile(`(?i)CREATE TABLE (?:IF NOT EXISTS )?(\w+)`)
	createIndex = regexp.MustCompile(`(?i)CREATE (?:UNIQUE )?INDEX (CONCURRENTLY )?(?:IF NOT EXISTS )?\w+ ON (\w+)`)
	dropIndex   = regexp.MustCompile(`(?i)DROP INDEX (CONCURRENTLY )?`)
)

// TestIndexMigrationsConcurrent: the Up of every PostgreSQL migration
// builds and drops the indexes of tables it does not create itself
// CONCURRENTLY, outside a transaction, so a rolling deploy never stops the
// writes of the instances still serving.
func TestIndexMigrationsConcurrent(t *testing.T) {
	files, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	// The first schema makes the tables no instance can serve without, so
	// no instance serves while it runs, on any database.
	firstSchema := map[string]bool{"00001_auth.sql": true, "00002_projects_teams.sql": true, "00003_generations.sql": true}
	var concurrent []string
	for _, f := range files {
		if firstSchema[f.Name()] {
			continue
		}
		raw, err := os.ReadFile("migrations/" + f.Name())
		if err != nil {
			t.Fatal(err)
		}
		src := string(raw)
		up, _, _ := strings.Cut(src, "-- +goose Down")
		created := map[string]bool{}
		for _, m := range createTable.FindAllStringSubmatch(up, -1) {
			created[strings.ToLower(m[1])] = true
		}
		uses := strings.Contains(up, "CONCURRENTLY")
		for _, m := range createIndex.FindAllStringSubmatch(up, -1) {
			if m[1] == "" && !created[strings.ToLower(m[2])] {
				t.Errorf("%s builds an index of %s, a table it does not create, without CONCURRENTLY: %q", f.Name(), m[2], m[0])
			}
		}
		for _, m := range dropIndex.FindAllStringSubmatch(up, -1) {
			if m[1] == "" {
				t.Errorf("%s drops an index without CONCURRENTLY", f.Name())
			}
		}
		if uses {
			concurrent = append(concurrent, f.Name())
			if !strings.Contains(src, "-- +goose NO TRANSACTION") {
				t.Errorf("%s builds concurrently inside goose's transaction (PostgreSQL refuses it): add -- +goose NO TRANSACTION", f.Name())
			}
		}
	}
	// The ones that index tables made earlier, written down so that the
	// rule above is seen to bite.
	for _, name := range []string{"00004_in_flight_index.sql", "00030_project_list_indexes.sql", "00045_active_generations_index.sql"} {
		if !strings.Contains(strings.Join(concurrent, " "), name) {
			t.Errorf("%s does not build concurrently", name)
		}
	}
}

// TestIndexMigrationLeavesWritesGoing runs 00030 while a project write is in
// flight (the rolling deploy's case): the build waits for that write, as it
// must, but new project writes go on meanwhile. A build cancelled midway
// leaves an invalid index behind, and the retry replaces it.
func TestIndexMigrationLeavesWritesGoing(t *testing.T) {
	url := testenv.PostgresURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	migrations, err := goose.NewProvider(goose.DialectPostgres, db, os.DirFS("migrations"), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.UpTo(ctx, 29); err != nil {
		t.Fatal(err)
	}
	connect := func() *pgx.Conn {
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		return c
	}

	// A write in flight holds what an INSERT holds until it commits.
	inFlight, err := connect().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inFlight.Exec(ctx, "LOCK TABLE projects IN ROW EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	migrateCtx, stopMigration := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := migrations.UpTo(migrateCtx, 30)
		done <- err
	}()
	watch := connect()
	for waiting := false; !waiting; {
		err := watch.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_stat_activity
			WHERE query LIKE '%INDEX%projects_user_newest%' AND wait_event_type = 'Lock')`).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			t.Fatalf("the build did not wait for the write in flight: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}

	// While the build waits, a new write takes its lock at once.
	next, err := connect().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := next.Exec(ctx, "LOCK TABLE projects IN ROW EXCLUSIVE MODE NOWAIT"); err != nil {
		t.Errorf("a project write waits for the index build: %v", err)
	}
	if err := next.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	// The deploy is stopped midway: the half-built index stays, invalid.
	stopMigration()
	if err := <-done; !errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "cancel") {
		t.Fatalf("the stopped migration: %v", err)
	}
	if err := inFlight.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if valid, found := indexValid(t, watch, "projects_user_newest"); !found || valid {
		t.Fatalf("after the stop, projects_user_newest found %v valid %v; want an invalid one", found, valid)
	}

	// The retry replaces it and ends with exactly the new indexes, valid.
	if _, err := migrations.UpTo(ctx, 30); err != nil {
		t.Fatalf("retry: %v", err)
	}
	for name, want := range map[string]bool{"projects_user_newest": true, "projects_visibility_newest": true, "projects_user": false, "projects_visibility": false} {
		if valid, found := indexValid(t, watch, name); found != want || found && !valid {
			t.Errorf("%s: found %v valid %v, want found %v and valid", name, found, valid, want)
		}
	}
	if _, err := migrations.DownTo(ctx, 29); err != nil {
		t.Fatalf("down: %v", err)
	}
	if valid, found := indexValid(t, watch, "projects_user"); !found || !valid {
		t.Errorf("after down, projects_user found %v valid %v", found, valid)
	}
}

// indexValid reports whether the index exists and whether PostgreSQL may
// use it.
func indexValid(t *testing.T, c *pgx.Conn, name string) (valid, found bool) {
	t.Helper()
	err := c.QueryRow(context.Background(), `SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1`, name).Scan(&valid)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return valid, true
}
