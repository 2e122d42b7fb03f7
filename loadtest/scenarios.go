package loadtest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
)

// scenario is one thing `velro bench` can measure; it makes one or more
// rows of the table.
type scenario struct {
	name, about string
	// needs is what must be seeded before its rows run.
	needs func(o *Options) needs
	rows  func(o *Options) []*rowSpec
}

type needs struct{ accounts, generations int }

// rowSpec is one row: a load shape, what each request does, and the goals
// the row is judged by.
type rowSpec struct {
	scenario, variant string
	shape             Shape
	prepare           func(ctx context.Context, s *suite) (Target, func(context.Context, *Conn) error, error)
	goals             []goal
	// holds marks the connections scenario: the server is inspected while
	// the connections are open.
	holds bool
}

// hotPathUnlocked guards the warm hot paths at 64 connections against a
// lock or database call per request creeping back in (BENCHMARKS.md).
var hotPathUnlocked = noPerRequestLock(srcGoals, 100, 0.05)

// Scenarios in the order they run.
var scenarios = []scenario{
	{name: "health", about: "GET /health, 100 concurrent (the original suite's check)",
		needs: noNeeds, rows: func(o *Options) []*rowSpec {
			return []*rowSpec{{scenario: "health", shape: closed(100, o),
				prepare: fixed(func(s *suite, c *Conn) (string, string) { return "/health", "" }),
				goals:   []goal{noErrors(srcOriginal)}}}
		}},
	{name: "register", about: "POST /auth/register, a new account each time, 1 connection",
		needs: noNeeds, rows: func(o *Options) []*rowSpec {
			return []*rowSpec{{scenario: "register", shape: closed(1, o), prepare: registerTarget,
				goals: []goal{noErrors(srcBench), latencyTarget("auth (register)", 50, ""), p50Within(srcGoals, 50)}}}
		}},
	{name: "login", about: "POST /auth/login, 2 concurrent",
		needs: func(*Options) needs { return needs{accounts: 1} }, rows: func(o *Options) []*rowSpec {
			return []*rowSpec{{scenario: "login", shape: closed(2, o), prepare: loginTarget,
				goals: []goal{noErrors(srcBench), latencyTarget("auth (login)", 50, ""), p99Within(srcGoals, 50), loginOverHash(3)}}}
		}},
	{name: "refresh", about: "POST /auth/refresh, 16 connections each rotating its own session",
		needs: func(*Options) needs { return needs{accounts: 1} }, rows: func(o *Options) []*rowSpec {
			return []*rowSpec{{scenario: "refresh", shape: closed(16, o), prepare: refreshTarget,
				goals: []goal{noErrors(srcBench), notMeasured(srcGoals, "on PostgreSQL >= 10x GoTrue", "GoTrue is not run by the bench")}}}
		}},
	{name: "me", about: "GET /auth/me at 64 and 1 connections",
		needs: func(*Options) needs { return needs{accounts: 1} }, rows: func(o *Options) []*rowSpec {
			me := fixed(func(s *suite, c *Conn) (string, string) { return "/api/v1/auth/me", s.account(c.ID).token() })
			return []*rowSpec{
				{scenario: "me", shape: closed(64, o), prepare: me, goals: []goal{noErrors(srcBench), rpsOfCeiling(srcGoals, 0.70), hotPathUnlocked}},
				{scenario: "me", shape: closed(1, o), prepare: me, goals: []goal{noErrors(srcBench)}},
			}
		}},
	{name: "authorize", about: "GET /generations/{id}/authorize: cold (pairs never asked before) at 32 connections, warm (the same pairs again) at 64 and 1",
		needs: func(o *Options) needs { return needs{accounts: coldAccounts(o), generations: o.Generations} },
		rows: func(o *Options) []*rowSpec {
			return []*rowSpec{
				// Cold first: no row before it has asked about its pairs.
				{scenario: "authorize", variant: "cold", shape: closed(32, o), prepare: coldAuthorize, goals: []goal{
					noErrors(srcBench), coldGoal(), latencyTarget("authorization", 75, "")}},
				{scenario: "authorize", variant: "warm", shape: closed(64, o), prepare: warmAuthorize, goals: []goal{
					noErrors(srcBench), rpsOfCeiling(srcGoals, 0.75), p99OfCeiling(srcGoals, 1.25), latencyTarget("authorization", 75, ""), hotPathUnlocked}},
				{scenario: "authorize", variant: "warm", shape: closed(1, o), prepare: warmAuthorize, goals: []goal{
					noErrors(srcBench), p50OfCeiling(srcGoals, 1.5), latencyTarget("authorization", 75, "")}},
			}
		}},
	{name: "generation-access", about: "GET /generations/{id} at 64 connections",
		needs: func(o *Options) needs { return needs{accounts: 1, generations: min(o.Generations, 64)} },
		rows: func(o *Options) []*rowSpec {
			return []*rowSpec{{scenario: "generation-access", shape: closed(64, o),
				prepare: fixed(func(s *suite, c *Conn) (string, string) {
					return "/api/v1/generations/" + s.generation(c.ID), s.account(c.ID).token()
				}),
				goals: []goal{noErrors(srcBench), rpsOfCeiling(srcGoals, 0.70), latencyTarget("generation access", 100, ""), hotPathUnlocked}}}
		}},
	{name: "submit", about: fmt.Sprintf("POST /generations (%s, 64x64), open-loop at %d/s", benchModel, submitRate),
		needs: func(*Options) needs { return needs{accounts: 1} }, rows: func(o *Options) []*rowSpec {
			return []*rowSpec{{scenario: "submit", shape: Shape{Connections: 16, Rate: submitRate, Duration: o.Duration},
				prepare: submitTarget, goals: []goal{noErrors(srcBench)}}}
		}},
	{name: "mixed", about: "a realistic mix over Zipf-skewed users and generations, open-loop",
		needs: func(o *Options) needs { return needs{accounts: mixedAccounts(o), generations: o.Generations} },
		rows: func(o *Options) []*rowSpec {
			return []*rowSpec{{scenario: "mixed", variant: fmt.Sprintf("%s users", thousands(int64(o.Users))),
				shape: Shape{Connections: mixedConnections, Rate: mixedRate(o), Duration: o.Duration}, prepare: mixedTarget,
				goals: []goal{noErrors(srcGoals), p99Within(srcGoals, 100),
					latencyTarget("authorization", 75, opAuthorize), latencyTarget("generation access", 100, opGeneration), latencyTarget("auth (login)", 50, opLogin)}}}
		}},
	{name: "connections", about: "hold many keep-alive connections while sending a steady rate of warm authorize checks",
		needs: func(*Options) needs { return needs{accounts: 1, generations: 1} },
		rows: func(o *Options) []*rowSpec {
			return []*rowSpec{{scenario: "connections", shape: Shape{Connections: o.Connections, Rate: o.HoldRate, Duration: o.Duration},
				prepare: warmAuthorize, holds: true,
				goals: []goal{allHeld(), noErrors(srcGoals), heldRSSWithin(500e6), p99Within(srcGoals, 100)}}}
		}},
}

func noNeeds(*Options) needs { return needs{} }

func closed(conns int, o *Options) Shape { return Shape{Connections: conns, Duration: o.Duration} }

// fixed is a GET, expecting 200, of the path (and token) a connection
// always asks for.
func fixed(path func(s *suite, c *Conn) (path, token string)) func(context.Context, *suite) (Target, func(context.Context, *Conn) error, error) {
	return func(_ context.Context, s *suite) (Target, func(context.Context, *Conn) error, error) {
		return func(ctx context.Context, c *Conn) Result {
			p, token := path(s, c)
			return Result{Err: call(ctx, c.Client, http.MethodGet, s.base+p, token, nil, http.StatusOK, nil)}
		}, nil, nil
	}
}

func registerTarget(_ context.Context, s *suite) (Target, func(context.Context, *Conn) error, error) {
	return func(ctx context.Context, c *Conn) Result {
		_, _, err := s.fix.register(ctx, c.Client)
		if throttled, ok := err.(*errThrottled); ok {
			return Result{Fatal: throttled}
		}
		return Result{Err: err}
	}, nil, nil
}

func loginTarget(_ context.Context, s *suite) (Target, func(context.Context, *Conn) error, error) {
	return func(ctx context.Context, c *Conn) Result {
		a := s.account(c.ID)
		return Result{Err: call(ctx, c.Client, http.MethodPost, s.base+"/api/v1/auth/login", "",
			map[string]string{"email": a.Email, "password": a.Password}, http.StatusOK, nil)}
	}, nil, nil
}

// refreshTarget rotates one session per connection, each with the token
// the last rotation returned.
func refreshTarget(_ context.Context, s *suite) (Target, func(context.Context, *Conn) error, error) {
	setup := func(ctx context.Context, c *Conn) error {
		sess, err := s.fix.login(ctx, c.Client, s.account(c.ID))
		c.State = sess
		return err
	}
	return func(ctx context.Context, c *Conn) Result {
		sess := c.State.(*session)
		var ans tokenAnswer
		err := call(ctx, c.Client, http.MethodPost, s.base+"/api/v1/auth/refresh", "",
			map[string]string{"refresh_token": sess.Refresh}, http.StatusOK, &ans)
		if err == nil {
			c.State = ans.session()
		}
		return Result{Err: err}
	}, setup, nil
}

// authorize asks whether a may view gen and labels the answer with the
// cache layer that gave it.
func (s *suite) authorize(ctx context.Context, c *Conn, a *account, gen string) Result {
	var body []byte
	err := call(ctx, c.Client, http.MethodGet, s.base+"/api/v1/generations/"+gen+"/authorize", a.token(), nil, http.StatusOK, &body)
	return Result{Op: opAuthorize, Err: err, Label: cacheLayer(body)}
}

// cacheLayer reads the cache field of an authorize answer without decoding
// the rest: the load generator shares the CPU with the server.
func cacheLayer(body []byte) string {
	const field = `"cache":"`
	_, rest, ok := bytes.Cut(body, []byte(field))
	if !ok {
		return ""
	}
	layer, _, ok := bytes.Cut(rest, []byte(`"`))
	if !ok {
		return ""
	}
	return layerNames[string(layer)]
}

// layerNames interns the layer names (no allocation per answer).
var layerNames = map[string]string{"l1": "l1", "l2": "l2", "l3": "l3", "miss": "miss"}

// warmAuthorize: each connection asks about the same pair every time, so
// after its first check the answer is in L1.
func warmAuthorize(_ context.Context, s *suite) (Target, func(context.Context, *Conn) error, error) {
	return func(ctx context.Context, c *Conn) Result {
		return s.authorize(ctx, c, s.account(c.ID), s.generation(c.ID))
	}, nil, nil
}

// coldAuthorize asks for a (user, generation) pair never asked before in
// this run, so no cache layer has it and the effective-access table (L3)
// answers; on a server with VELRO_AUTHZ_CACHE=off every check reads the
// base tables. Once every pair has been asked the row ends, unless the
// server's cache is known to be off (answers came, all "miss"): then
// asking again is cold too.
func coldAuthorize(_ context.Context, s *suite) (Target, func(context.Context, *Conn) error, error) {
	users, gens := int64(min(len(s.fix.accounts), coldAccounts(s.opts))), int64(len(s.fix.generations))
	var next atomic.Int64
	var answered, cached atomic.Bool
	return func(ctx context.Context, c *Conn) Result {
		k := next.Add(1) - 1
		if k >= users*gens && (!answered.Load() || cached.Load()) {
			return Result{Stop: true}
		}
		res := s.authorize(ctx, c, s.fix.accounts[k%users], s.fix.generations[(k/users)%gens])
		if res.Label != "" {
			if res.Label != "miss" {
				cached.Store(true)
			}
			answered.Store(true)
		}
		return res
	}, nil, nil
}

// coldAccounts is how many accounts the cold authorize row draws on: with
// the generations they make the pairs it asks about (500 x 1,000 by
// default, more than this machine answers in 10 s).
func coldAccounts(o *Options) int { return min(o.Accounts, 500) }

// coldGoal: the cold goal (BENCHMARKS.md) is stated with the cache off; the row
// says which kind of cold it measured.
func coldGoal() goal {
	return goal{srcGoals, "p99 <= 10 ms (cache off)", func(r *Row, _ *suite) (string, string) {
		total := int64(0)
		for _, n := range r.Cache {
			total += n
		}
		measured := "p99 " + millis(r.Latency.P99)
		switch {
		case total == 0:
		case r.Cache["miss"] == total:
			measured += ", every check read the base tables (cache off)"
		default:
			measured += fmt.Sprintf(", cache on, new pairs: %.1f%% answered by L3", 100*float64(r.Cache["l3"])/float64(total))
		}
		return measured, passIf(r.Requests > 0 && r.Latency.P99 <= 10)
	}}
}

// account and generation spread connections over the seeded data.
func (s *suite) account(conn int) *account { return s.fix.accounts[conn%len(s.fix.accounts)] }

func (s *suite) generation(conn int) string { return s.fix.generations[conn%len(s.fix.generations)] }
