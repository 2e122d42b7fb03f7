package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// newSession starts a session of the user.
func newSession(t testing.TB, s velro.Store, user uuid.UUID) *velro.Session {
	t.Helper()
	now := velro.Now()
	sess := &velro.Session{ID: velro.NewID(), UserID: user, CreatedAt: now, RefreshedAt: now, Method: velro.SignInPassword}
	must(t, errOf(s.CreateSession(ctx(t), sess)))
	return sess
}

// live reports whether the session's tokens may still be used.
func live(t testing.TB, s velro.Store, id uuid.UUID) bool {
	t.Helper()
	sess, err := s.FindSession(ctx(t), id)
	if velro.ErrorCode(err) == velro.ENOTFOUND {
		return false
	}
	must(t, err)
	return sess.Live()
}

func testAccountControl(t *testing.T, open Opener) {
	s := open(t, 0)
	ann, bob := NewUser(t, s, "ann@example.com"), NewUser(t, s, "bob_smith@example.com")
	if ann.EmailVerified || ann.Disabled {
		t.Fatalf("a new account is verified or disabled: %+v", ann)
	}
	sess := newSession(t, s, ann.ID)

	admin, yes, no := velro.AdminRole, true, false
	u, _, err := s.ControlAccount(ctx(t), ann.ID, velro.AccountControl{Role: &admin})
	must(t, err)
	if u.Role != velro.AdminRole || u.Disabled || !live(t, s, sess.ID) {
		t.Fatalf("after granting admin: %+v", u)
	}
	u, _, err = s.ControlAccount(ctx(t), ann.ID, velro.AccountControl{Disabled: &yes})
	must(t, err)
	if !u.Disabled || u.Role != velro.AdminRole || live(t, s, sess.ID) {
		t.Fatalf("after disabling: %+v, session live %v", u, live(t, s, sess.ID))
	}
	// A session made while disabled (a login racing the disable) is dead
	// too: disabled accounts have no live sessions.
	late := newSession(t, s, ann.ID)
	if live(t, s, late.ID) {
		t.Fatal("a session of a disabled account is live")
	}
	u, _, err = s.ControlAccount(ctx(t), ann.ID, velro.AccountControl{Disabled: &no})
	must(t, err)
	if u.Disabled || live(t, s, sess.ID) || !live(t, s, late.ID) {
		t.Fatalf("after enabling: %+v; the sessions disabling ended stay ended, the later one lives", u)
	}
	_, _, err = s.ControlAccount(ctx(t), uuid.New(), velro.AccountControl{Disabled: &yes})
	wantCode(t, err, velro.ENOTFOUND)

	name := "Ann 100%"
	_, _, err = s.UpdateUser(ctx(t), ann.ID, velro.UserUpdate{FullName: &name})
	must(t, err)
	for query, want := range map[string][]uuid.UUID{
		"":            {ann.ID, bob.ID},
		"ANN":         {ann.ID},
		"100%":        {ann.ID},
		"%":           {ann.ID}, // a literal percent sign, in Ann's name
		"_":           {bob.ID}, // a literal underscore, in Bob's address
		"example.com": {ann.ID, bob.ID},
		"nobody":      {},
	} {
		list, total, err := s.ListUsers(ctx(t), query, velro.Page{Limit: 10})
		must(t, err)
		if total != len(want) || len(list) != len(want) {
			t.Fatalf("query %q: %d users (total %d), want %d", query, len(list), total, len(want))
		}
		for i, id := range want {
			if list[i].ID != id {
				t.Fatalf("query %q: user %d is %s, want %s (oldest first)", query, i, list[i].Email, id)
			}
		}
	}
	if list, total, _ := s.ListUsers(ctx(t), "", velro.Page{Limit: 1, Offset: 1}); total != 2 || len(list) != 1 || list[0].ID != bob.ID {
		t.Fatalf("second page: %d users, total %d", len(list), total)
	}
}

func testAccountTokens(t *testing.T, open Opener) {
	s := open(t, 0)
	u := NewUser(t, s, "reset@example.com")
	one, two := newSession(t, s, u.ID), newSession(t, s, u.ID)
	later := velro.Now().Add(time.Hour)

	// A password change keeps one session and retires reset links.
	_, stale := velro.NewToken()
	must(t, errOf(s.IssueAccountToken(ctx(t), u.ID, velro.TokenPasswordReset, stale, later)))
	must(t, errOf(s.ChangePassword(ctx(t), u.ID, "$argon2id$changed", two.ID)))
	if live(t, s, one.ID) || !live(t, s, two.ID) {
		t.Fatal("a password change must end every session but the caller's")
	}
	_, _, err := s.ResetPassword(ctx(t), stale, "$argon2id$x")
	wantCode(t, err, velro.EINVALIDTOKEN)

	// A reset: unknown, expired, wrong purpose, then good, then used.
	_, expired := velro.NewToken()
	must(t, errOf(s.IssueAccountToken(ctx(t), u.ID, velro.TokenPasswordReset, expired, velro.Now().Add(-time.Second))))
	_, _, err = s.ResetPassword(ctx(t), expired, "$argon2id$x")
	wantCode(t, err, velro.EEXPIRED)
	_, _, err = s.ResetPassword(ctx(t), velro.HashToken("no such token"), "$argon2id$x")
	wantCode(t, err, velro.EINVALIDTOKEN)
	_, verify := velro.NewToken()
	must(t, errOf(s.IssueAccountToken(ctx(t), u.ID, velro.TokenEmailVerification, verify, later)))
	_, _, err = s.ResetPassword(ctx(t), verify, "$argon2id$x")
	wantCode(t, err, velro.EINVALIDTOKEN)

	_, good := velro.NewToken()
	_, other := velro.NewToken()
	must(t, errOf(s.IssueAccountToken(ctx(t), u.ID, velro.TokenPasswordReset, good, later)))
	must(t, errOf(s.IssueAccountToken(ctx(t), u.ID, velro.TokenPasswordReset, other, later)))
	got, _, err := s.ResetPassword(ctx(t), good, "$argon2id$reset")
	must(t, err)
	if got.PasswordHash != "$argon2id$reset" || !got.EmailVerified || live(t, s, two.ID) {
		t.Fatalf("after the reset: %+v (every session must end; the link proved the address)", got)
	}
	_, _, err = s.ResetPassword(ctx(t), good, "$argon2id$again")
	wantCode(t, err, velro.EINVALIDTOKEN)
	_, _, err = s.ResetPassword(ctx(t), other, "$argon2id$again") // retired by the reset
	wantCode(t, err, velro.EINVALIDTOKEN)

	// Verification.
	v := NewUser(t, s, "verify@example.com")
	_, token := velro.NewToken()
	must(t, errOf(s.IssueAccountToken(ctx(t), v.ID, velro.TokenEmailVerification, token, later)))
	got, _, err = s.VerifyEmail(ctx(t), token)
	must(t, err)
	if !got.EmailVerified || got.ID != v.ID {
		t.Fatalf("verified user %+v", got)
	}
	_, _, err = s.VerifyEmail(ctx(t), token)
	wantCode(t, err, velro.EINVALIDTOKEN)
	must(t, errOf(s.ChangePassword(ctx(t), v.ID, "$argon2id$y", uuid.Nil)))
	if found, _ := s.FindUserByID(ctx(t), v.ID); !found.EmailVerified {
		t.Fatal("a password change unverified the address")
	}
	wantCode(t, errOf(s.ChangePassword(ctx(t), uuid.New(), "$argon2id$y", uuid.Nil)), velro.ENOTFOUND)
}

// testTokenRace: a reset token presented by several requests at the same
// instant sets the password once.
func testTokenRace(t *testing.T, open Opener) {
	s := open(t, 0)
	u := NewUser(t, s, "race@example.com")
	for round := range 5 {
		_, hash := velro.NewToken()
		must(t, errOf(s.IssueAccountToken(ctx(t), u.ID, velro.TokenPasswordReset, hash, velro.Now().Add(time.Hour))))
		ok := atOnce(t, 6, velro.EINVALIDTOKEN, func() error {
			_, _, err := s.ResetPassword(ctx(t), hash, "$argon2id$race")
			return err
		})
		if ok != 1 {
			t.Fatalf("round %d: the token worked %d times", round, ok)
		}
	}
}
