package auth

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/bus"
	"github.com/velro-ai/velro/guard"
	"github.com/velro-ai/velro/internal/testenv"
)

// FuzzRefreshToken: arbitrary refresh tokens never panic the decoder, and
// the only token it accepts is one the codec made, byte for byte.
func FuzzRefreshToken(f *testing.F) {
	c := refreshCodec{key: []byte("fuzz refresh key")}
	valid := c.encode(uuid.MustParse("01a22c75-ffe4-7263-bfab-d4249cc2c269"), 7)
	for _, seed := range []string{valid, valid[:len(valid)-1], valid + "A", "v1.", "v1", "", "v2." + valid[3:], "v1.////"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		session, counter, ok := c.decode(token)
		if ok && c.encode(session, counter) != token {
			t.Fatalf("accepted %q, which decodes to session %s counter %d, encoded %q", token, session, counter, c.encode(session, counter))
		}
	})
}

// graceService is a service on SQLite whose grace is one millisecond and
// whose clock stands still until the test moves it. Revocations reach its
// session cache on the guard's bus, as in a server.
func graceService(t *testing.T) (*Service, *time.Time) {
	t.Helper()
	s := testenv.Store(t, testenv.SQLite(t), 0)
	b := new(bus.Local)
	store := guard.New(s, authz.New(authz.Config{Store: s, Bus: b}), b)
	svc, err := NewService(t.Context(), store, Config{
		RefreshGrace: time.Millisecond,
		Hasher:       NewHasher(Argon2Params{Memory: 64, Time: 1, Threads: 1}, 0, time.Minute),
		Bus:          b,
	})
	if err != nil {
		t.Fatal(err)
	}
	clock := velro.Now()
	svc.now = func() time.Time { return clock }
	return svc, &clock
}

// session is a fresh login's tokens and the tokens of its first rotation
// (made at the clock's time).
func session(t *testing.T, svc *Service, email string) (login, rotated *Result) {
	t.Helper()
	login, err := svc.Register(t.Context(), email, "Passw0rd!", "", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	rotated, err = svc.Refresh(t.Context(), login.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	return login, rotated
}

// wantRevoked checks that the session of r has ended: its current refresh
// token and its access token are refused, and the store says so.
func wantRevoked(t *testing.T, svc *Service, r *Result, current string) {
	t.Helper()
	if _, err := svc.Refresh(t.Context(), current); velro.ErrorCode(err) != velro.EUNAUTHORIZED {
		t.Errorf("the current refresh token of a revoked session: %v", err)
	}
	p, err := svc.Authenticate(t.Context(), r.AccessToken)
	if velro.ErrorCode(err) != velro.EUNAUTHORIZED {
		t.Errorf("an access token of a revoked session: %v", err)
	}
	id, _, _ := svc.refresh.decode(current)
	if sess, err := svc.store.FindSession(t.Context(), id); err != nil || !sess.Revoked() {
		t.Errorf("the session is not revoked in the store: %+v %v (principal %+v)", sess, err, p)
	}
}

// TestRefreshGrace: the token rotated out last still refreshes for the
// grace (1 ms here) and gets the current token; a moment past the grace it
// is reuse of a stolen token, which ends the session.
func TestRefreshGrace(t *testing.T) {
	svc, clock := graceService(t)

	login, rotated := session(t, svc, "inside@example.com")
	// The access token is checked (its session state cached) before
	// anything else happens, as a busy client would.
	if _, err := svc.Authenticate(t.Context(), rotated.AccessToken); err != nil {
		t.Fatal(err)
	}
	*clock = clock.Add(time.Millisecond) // the grace's last instant
	again, err := svc.Refresh(t.Context(), login.RefreshToken)
	if err != nil {
		t.Fatalf("the previous token at the grace's end: %v", err)
	}
	if again.RefreshToken != rotated.RefreshToken {
		t.Fatal("the previous token inside the grace did not get the current one")
	}
	if _, err := svc.Authenticate(t.Context(), rotated.AccessToken); err != nil {
		t.Fatalf("the session ended inside the grace: %v", err)
	}
	if _, err := svc.Refresh(t.Context(), rotated.RefreshToken); err != nil {
		t.Fatalf("the current token after a refresh inside the grace: %v", err)
	}

	login, rotated = session(t, svc, "past@example.com")
	if _, err := svc.Authenticate(t.Context(), rotated.AccessToken); err != nil {
		t.Fatal(err)
	}
	*clock = clock.Add(time.Millisecond + time.Microsecond) // just past the grace
	if _, err := svc.Refresh(t.Context(), login.RefreshToken); velro.ErrorCode(err) != velro.EUNAUTHORIZED {
		t.Fatalf("the previous token past the grace: %v", err)
	}
	wantRevoked(t, svc, rotated, rotated.RefreshToken)
}

// TestRefreshReuse: what an old, forged or dead refresh token does. Only
// reuse of a token older than the current one ends the session; the others
// are refused and change nothing.
func TestRefreshReuse(t *testing.T) {
	svc, clock := graceService(t)
	lifetime := svc.lifetime

	t.Run("two rotations old, inside the grace", func(t *testing.T) {
		login, rotated := session(t, svc, "two@example.com")
		current, err := svc.Refresh(t.Context(), rotated.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Refresh(t.Context(), login.RefreshToken); velro.ErrorCode(err) != velro.EUNAUTHORIZED {
			t.Fatalf("a token two rotations old: %v", err)
		}
		wantRevoked(t, svc, current, current.RefreshToken)
	})

	// Refused without ending the session.
	refused := map[string]func(t *testing.T, login, rotated *Result) string{
		"from the future": func(t *testing.T, login, rotated *Result) string {
			id, counter, _ := svc.refresh.decode(rotated.RefreshToken)
			return svc.refresh.encode(id, counter+1)
		},
		"tampered": func(t *testing.T, login, rotated *Result) string {
			b := []byte(rotated.RefreshToken)
			b[len(b)/2] = map[bool]byte{true: 'A', false: 'B'}[b[len(b)/2] != 'A']
			return string(b)
		},
		"of no session": func(t *testing.T, login, rotated *Result) string {
			return svc.refresh.encode(uuid.New(), 1)
		},
		"an access token": func(t *testing.T, login, rotated *Result) string { return rotated.AccessToken },
	}
	for name, token := range refused {
		t.Run(name, func(t *testing.T) {
			login, rotated := session(t, svc, strings.ReplaceAll(name, " ", "-")+"@example.com")
			if _, err := svc.Refresh(t.Context(), token(t, login, rotated)); velro.ErrorCode(err) != velro.EUNAUTHORIZED {
				t.Fatalf("refresh: %v", err)
			}
			if _, err := svc.Authenticate(t.Context(), rotated.AccessToken); err != nil {
				t.Fatalf("the session ended: %v", err)
			}
			if _, err := svc.Refresh(t.Context(), rotated.RefreshToken); err != nil {
				t.Fatalf("the current token after: %v", err)
			}
		})
	}

	t.Run("after logout", func(t *testing.T) {
		_, rotated := session(t, svc, "logout@example.com")
		p, err := svc.Authenticate(t.Context(), rotated.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Logout(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		wantRevoked(t, svc, rotated, rotated.RefreshToken)
	})

	t.Run("idle past the lifetime", func(t *testing.T) {
		_, rotated := session(t, svc, "idle@example.com")
		*clock = clock.Add(lifetime.Idle)
		if _, err := svc.Refresh(t.Context(), rotated.RefreshToken); velro.ErrorCode(err) != velro.EUNAUTHORIZED {
			t.Fatalf("a session idle for its whole lifetime: %v", err)
		}
		*clock = clock.Add(-lifetime.Idle)
		if _, err := svc.Refresh(t.Context(), rotated.RefreshToken); err != nil {
			t.Fatalf("the idle session was ended, not just refused: %v", err)
		}
	})
}

// TestParallelRefreshes: tabs refreshing one token at once all succeed
// with the same new token (one rotation), and the session lives.
func TestParallelRefreshes(t *testing.T) {
	svc, _ := graceService(t)
	login, err := svc.Register(t.Context(), "tabs@example.com", "Passw0rd!", "", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	results := make([]*Result, 8)
	errs := make([]error, len(results))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range results {
		wg.Go(func() {
			<-start
			results[i], errs[i] = svc.Refresh(context.Background(), login.RefreshToken)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("tab %d: %v", i, err)
		}
		if results[i].RefreshToken != results[0].RefreshToken {
			t.Fatalf("tabs got different tokens: more than one rotation")
		}
	}
	if _, err := svc.Refresh(t.Context(), results[0].RefreshToken); err != nil {
		t.Fatalf("the tabs' token: %v", err)
	}
}
