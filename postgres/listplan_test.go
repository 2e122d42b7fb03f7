package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/postgres"
	"github.com/velro-ai/velro/queue"
	"github.com/velro-ai/velro/sqlstore"
	"github.com/velro-ai/velro/storetest"
)

// TestProjectListsUseIndexes: among 20 000 projects of other users (one in
// twenty public), every query behind a user's project list, with or
// without a visibility filter, reads indexes: PostgreSQL's plan for it has
// no sequential scan of the projects table. (One query ORing own, public
// and shared read the whole table on every list.)
func TestProjectListsUseIndexes(t *testing.T) {
	rec := &queryRecorder{}
	s, conn := projectsAmongMany(t, 20_000, rec)
	reader := storetest.NewUser(t, s, "reader@example.com")

	rec.start()
	for _, v := range []velro.Visibility{"", velro.VisibilityPrivate, velro.VisibilityTeamOnly, velro.VisibilityPublic} {
		if _, _, err := s.ListReadableProjects(t.Context(), reader.ID, velro.ProjectFilter{Visibility: v, Page: velro.Page{Limit: 50, Offset: 50}}); err != nil {
			t.Fatal(err)
		}
	}
	queries := rec.stop()
	if len(queries) == 0 {
		t.Fatal("no query of projects recorded")
	}
	for _, q := range queries {
		rows, err := conn.Query(t.Context(), "EXPLAIN "+q.SQL, q.Args...)
		if err != nil {
			t.Fatal(err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if plan := strings.Join(lines, "\n"); strings.Contains(plan, "Seq Scan on projects") {
			t.Errorf("a project list reads the whole table:\n%s\n%s", q.SQL, plan)
		}
	}
}

// BenchmarkListProjectsAmongMany: another user's first page of readable
// projects (GET /api/v1/projects) among 20,000 and 400,000 projects of 200
// owners, one in 20 public. Reports the median and p99 of a page.
func BenchmarkListProjectsAmongMany(b *testing.B) {
	for _, n := range []int{20_000, 400_000} {
		b.Run(fmt.Sprintf("projects=%d", n), func(b *testing.B) {
			s, _ := projectsAmongMany(b, n, nil)
			reader := storetest.NewUser(b, s, "reader@example.com")
			took := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				if _, _, err := s.ListReadableProjects(b.Context(), reader.ID, velro.ProjectFilter{Page: velro.Page{Limit: 20}}); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// projectsAmongMany is a migrated database holding n projects of 200
// owners, one in 20 public, its store (tracing queries with rec when not
// nil), and a plain connection to it.
func projectsAmongMany(t testing.TB, n int, rec *queryRecorder) (*sqlstore.Store, *pgx.Conn) {
	url := testenv.PostgresURL(t)
	cfg, err := postgres.ParseURL(url, postgres.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	if rec != nil {
		cfg.ConnConfig.Tracer = rec
	}
	db, err := postgres.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := queue.MigratePostgres(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	for _, sql := range []string{
		`INSERT INTO users (id, email, password_hash, created_at, updated_at)
			SELECT gen_random_uuid(), 'owner' || i || '@example.com', 'x', now(), now() FROM generate_series(1, 200) i`,
		`INSERT INTO projects (id, user_id, name, visibility, created_at, updated_at)
			SELECT gen_random_uuid(), u.id, 'p' || i, CASE WHEN i % 20 = 0 THEN 'public' ELSE 'private' END,
				now() - i * interval '1 second', now()
			FROM generate_series(1, $1::int) i JOIN (SELECT id, row_number() OVER () AS n FROM users WHERE email LIKE 'owner%') u ON u.n = 1 + i % 200`,
		`ANALYZE`,
	} {
		var args []any
		if strings.Contains(sql, "$1") {
			args = append(args, n)
		}
		if _, err := conn.Exec(t.Context(), sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	return testenv.Store(t, db, 0), conn
}

// queryRecorder is a pgx tracer that keeps, while recording, the queries
// that read projects.
type queryRecorder struct {
	mu        sync.Mutex
	recording bool
	queries   []pgx.TraceQueryStartData
}

func (r *queryRecorder) start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recording = true
}

func (r *queryRecorder) stop() []pgx.TraceQueryStartData {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recording = false
	return r.queries
}

func (r *queryRecorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.recording && strings.Contains(data.SQL, "FROM projects") {
		r.queries = append(r.queries, data)
	}
	return ctx
}

func (r *queryRecorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
