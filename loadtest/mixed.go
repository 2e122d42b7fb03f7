package loadtest

import (
	"context"
	"math/rand/v2"
	"net/http"
)

// The operations of the mixed scenario.
const (
	opAuthorize  = "authorize"
	opGeneration = "get generation"
	opMe         = "me"
	opList       = "list generations"
	opBalance    = "credit balance"
	opProject    = "get project"
	opSubmit     = "submit"
	opRefresh    = "refresh"
	opLogin      = "login"
)

// mix is how often each operation comes, per thousand requests: what a
// web client of Velro does, mostly reading (every view and download asks
// authorize first), sometimes making a generation, rarely signing in.
var mix = []struct {
	op       string
	perMille int
}{
	{opAuthorize, 400},
	{opGeneration, 200},
	{opMe, 150},
	{opList, 100},
	{opBalance, 60},
	{opProject, 50},
	{opSubmit, 20},
	{opRefresh, 15},
	{opLogin, 5},
}

// mixedConnections bounds the requests in flight: far more than the rate
// needs, so a slow server shows as latency, not as a lower rate.
const mixedConnections = 256

// zipfExponent skews popularity: a few users and generations get most of
// the requests, as on a real site.
const zipfExponent = 1.1

// mixedRate: each simulated user sends a request every ten seconds on
// average, unless --rate says otherwise.
func mixedRate(o *Options) float64 {
	if o.Rate > 0 {
		return o.Rate
	}
	return float64(o.Users) / 10
}

// mixedAccounts: simulated users share the seeded accounts (each
// registration costs the server a password hash); user u signs in as
// account u mod accounts.
func mixedAccounts(o *Options) int { return min(o.Accounts, o.Users) }

// mixedConn is a connection's random draws.
type mixedConn struct {
	users, generations, projects *rand.Zipf
}

func newZipf(r *rand.Rand, n int) *rand.Zipf {
	return rand.NewZipf(r, zipfExponent, 1, uint64(max(n, 1)-1))
}

func mixedTarget(_ context.Context, s *suite) (Target, func(context.Context, *Conn) error, error) {
	accounts := mixedAccounts(s.opts)
	setup := func(_ context.Context, c *Conn) error {
		c.State = &mixedConn{users: newZipf(c.Rand, s.opts.Users), generations: newZipf(c.Rand, len(s.fix.generations)),
			projects: newZipf(c.Rand, len(s.fix.projects))}
		return nil
	}
	return func(ctx context.Context, c *Conn) Result {
		draw := c.State.(*mixedConn)
		user := int(draw.users.Uint64()) % accounts
		a := s.fix.accounts[user]
		get := func(op, path string) Result {
			return Result{Op: op, Err: call(ctx, c.Client, http.MethodGet, s.base+path, a.token(), nil, http.StatusOK, nil)}
		}
		switch pick(c.Rand) {
		case opAuthorize:
			return s.authorize(ctx, c, a, s.fix.generations[draw.generations.Uint64()])
		case opGeneration:
			return get(opGeneration, "/api/v1/generations/"+s.fix.generations[draw.generations.Uint64()])
		case opList:
			return get(opList, "/api/v1/generations?limit=20")
		case opBalance:
			return get(opBalance, "/api/v1/credits/balance")
		case opProject:
			return get(opProject, "/api/v1/projects/"+s.fix.projects[draw.projects.Uint64()])
		case opSubmit:
			return s.submit(ctx, c, user)
		case opRefresh:
			return s.refreshShared(ctx, c, user, get)
		case opLogin:
			return Result{Op: opLogin, Err: call(ctx, c.Client, http.MethodPost, s.base+"/api/v1/auth/login", "",
				map[string]string{"email": a.Email, "password": a.Password}, http.StatusOK, nil)}
		}
		return get(opMe, "/api/v1/auth/me")
	}, setup, nil
}

func pick(r *rand.Rand) string {
	n := r.IntN(1000)
	for _, m := range mix {
		if n < m.perMille {
			return m.op
		}
		n -= m.perMille
	}
	return opMe
}

// refreshShared rotates the session of the user's account, or of a
// neighbour's while another connection rotates that one (two rotations of
// one token at once would look like a stolen token); if a few in a row
// are busy it asks /auth/me instead.
func (s *suite) refreshShared(ctx context.Context, c *Conn, user int, get func(op, path string) Result) Result {
	accounts := mixedAccounts(s.opts)
	for i := range 8 {
		a := s.fix.accounts[(user+i)%accounts]
		if !a.rotating.TryLock() {
			continue
		}
		err := s.fix.rotate(ctx, c.Client, a)
		a.rotating.Unlock()
		return Result{Op: opRefresh, Err: err}
	}
	return get(opMe, "/api/v1/auth/me")
}
