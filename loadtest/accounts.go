package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"
)

// benchModel is the model the bench submits: the built-in renderer at its
// smallest size, so seeding and the submit scenario cost the server little
// rendering.
const benchModel = "local/image"

var benchParams = map[string]any{"width": 64, "height": 64}

// account is a seeded account and its session.
type account struct {
	Email, Password, ID string
	// rotating is held while the session's refresh token rotates, so two
	// connections never present the same token (which the server would
	// take for a stolen one and revoke the session).
	rotating sync.Mutex
	session  atomic.Pointer[session]
	credits  atomic.Int64 // what the bench has not spent yet
}

type session struct {
	Access, Refresh string
	Expires         time.Time
}

func (a *account) token() string { return a.session.Load().Access }

// spend takes cost credits from the bench's count of a's balance.
func (a *account) spend(cost int64) bool {
	for {
		c := a.credits.Load()
		if c < cost {
			return false
		}
		if a.credits.CompareAndSwap(c, c-cost) {
			return true
		}
	}
}

// tokenAnswer is the body of register, login and refresh.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	User         struct {
		ID             string `json:"id"`
		CreditsBalance int64  `json:"credits_balance"`
	} `json:"user"`
}

func (t *tokenAnswer) session() *session {
	return &session{Access: t.AccessToken, Refresh: t.RefreshToken, Expires: time.Now().Add(time.Duration(t.ExpiresIn) * time.Second)}
}

// fixture is what the bench created on the server.
type fixture struct {
	base        string
	client      *http.Client
	prefix      string // makes this run's emails unique
	password    string
	concurrency int // registrations at once
	out         *progress
	accounts    []*account
	emails      atomic.Int64 // emails handed out
	registered  atomic.Int64 // accounts the server created
	// startCredits is the balance of a new account.
	startCredits atomic.Int64
	projects     []string
	generations  []string
	cost         int64 // credits of one generation of benchModel
	// seeded says what seeding took, for the report.
	seeded seedReport
}

type seedReport struct {
	Accounts           int     `json:"accounts"`
	AccountsSeconds    float64 `json:"accounts_seconds"`
	Generations        int     `json:"generations"`
	GenerationsSeconds float64 `json:"generations_seconds"`
	Concurrency        int     `json:"concurrency"`
}

func newFixture(base string, timeout time.Duration, concurrency int, out *progress) *fixture {
	return &fixture{
		base:        base,
		client:      newClient(max(concurrency, 16), timeout, &dialCounter{}),
		prefix:      "bench-" + uuid.NewString()[:8],
		password:    "Bench-passw0rd",
		concurrency: concurrency,
		out:         out,
	}
}

func (f *fixture) url(path string) string { return f.base + path }

func (f *fixture) nextEmail() string {
	return fmt.Sprintf("%s-%d@example.com", f.prefix, f.emails.Add(1))
}

// errThrottled wraps the answer of a server that limits registrations.
type errThrottled struct {
	registered int64
	cause      *StatusError
}

func (e *errThrottled) Error() string {
	retry := ""
	if e.cause.RetryAfter != "" {
		retry = ", Retry-After " + e.cause.RetryAfter + " s"
	}
	return fmt.Sprintf("the server throttles registrations (HTTP 429 after %d registrations from this client%s); "+
		"the bench registers the accounts it needs, so start the server with VELRO_REGISTER_LIMIT=0 (no registration limit) "+
		"while benchmarking, or ask for fewer accounts (--accounts)", e.registered, retry)
}

func (e *errThrottled) Unwrap() error { return e.cause }

// register creates one account with a new email.
func (f *fixture) register(ctx context.Context, c *http.Client) (*tokenAnswer, string, error) {
	email := f.nextEmail()
	var ans tokenAnswer
	err := call(ctx, c, http.MethodPost, f.url("/api/v1/auth/register"), "",
		map[string]string{"email": email, "password": f.password, "full_name": "Bench"}, http.StatusCreated, &ans)
	var se *StatusError
	if errors.As(err, &se) && se.Status == http.StatusTooManyRequests {
		return nil, email, &errThrottled{registered: f.registered.Load(), cause: se}
	}
	if err == nil {
		f.registered.Add(1)
	}
	return &ans, email, err
}

// retryBusy retries fn while the server answers 503 (busy: its password
// hashing queue is full, or the database did not answer in time), up to
// five times with growing pauses, as a client would. Seeding uses it;
// measured requests never do, their 503s are errors.
func retryBusy(ctx context.Context, fn func() error) error {
	pause := 50 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := fn()
		var se *StatusError
		if attempt == 5 || !errors.As(err, &se) || se.Status != http.StatusServiceUnavailable {
			return err
		}
		if !sleep(ctx, pause) {
			return ctx.Err()
		}
		pause *= 2
	}
}

// ensureAccounts registers accounts, several at a time, until there are n.
func (f *fixture) ensureAccounts(ctx context.Context, n int) error {
	have := len(f.accounts)
	if have >= n {
		return nil
	}
	begin := time.Now()
	fresh := make([]*account, n-have)
	var done atomic.Int64
	stop := f.out.start(func(now time.Time) string {
		return fmt.Sprintf("seeding accounts: %s of %s registered (%d at a time), %.0fs", thousands(done.Load()), thousands(int64(n-have)),
			f.concurrency, now.Sub(begin).Seconds())
	})
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(f.concurrency)
	for i := range fresh {
		g.Go(func() error {
			var ans *tokenAnswer
			var email string
			err := retryBusy(gctx, func() (err error) {
				ans, email, err = f.register(gctx, f.client)
				return err
			})
			if err != nil {
				return err
			}
			a := &account{Email: email, Password: f.password, ID: ans.User.ID}
			a.session.Store(ans.session())
			a.credits.Store(ans.User.CreditsBalance)
			f.startCredits.Store(ans.User.CreditsBalance)
			fresh[i] = a
			done.Add(1)
			return nil
		})
	}
	err := g.Wait()
	stop()
	if err != nil {
		return fmt.Errorf("seeding accounts: %w", err)
	}
	f.accounts = append(f.accounts, fresh...)
	f.seeded.Accounts = len(f.accounts)
	f.seeded.AccountsSeconds += time.Since(begin).Seconds()
	f.seeded.Concurrency = f.concurrency
	return nil
}

// login opens another session of a (not measured: a busy server is asked
// again).
func (f *fixture) login(ctx context.Context, c *http.Client, a *account) (*session, error) {
	var ans tokenAnswer
	err := retryBusy(ctx, func() error {
		return call(ctx, c, http.MethodPost, f.url("/api/v1/auth/login"), "",
			map[string]string{"email": a.Email, "password": a.Password}, http.StatusOK, &ans)
	})
	if err != nil {
		return nil, err
	}
	return ans.session(), nil
}

// rotate refreshes a's session (the caller holds a.rotating).
func (f *fixture) rotate(ctx context.Context, c *http.Client, a *account) error {
	var ans tokenAnswer
	err := call(ctx, c, http.MethodPost, f.url("/api/v1/auth/refresh"), "",
		map[string]string{"refresh_token": a.session.Load().Refresh}, http.StatusOK, &ans)
	if err == nil {
		a.session.Store(ans.session())
	}
	return err
}

// renew refreshes every session that expires within d, so a long run
// never sends an expired token.
func (f *fixture) renew(ctx context.Context, d time.Duration) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for _, a := range f.accounts {
		if time.Until(a.session.Load().Expires) > d {
			continue
		}
		g.Go(func() error {
			a.rotating.Lock()
			defer a.rotating.Unlock()
			return f.rotate(gctx, f.client, a)
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("renewing sessions: %w", err)
	}
	return nil
}
