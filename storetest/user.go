package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

func testUsers(t *testing.T, open Opener) {
	s := open(t, 0)

	u := &velro.User{ID: velro.NewID(), Email: "Ada@Example.COM", PasswordHash: "$argon2id$x", FullName: "Ada", Role: velro.UserRole}
	must(t, errOf(s.CreateUser(ctx(t), u)))
	if u.Email != "ada@example.com" || u.CreditsBalance != velro.WelcomeCredits || u.CreatedAt.IsZero() {
		t.Fatalf("created user = %+v", u)
	}

	got, err := s.FindUserByEmail(ctx(t), "ADA@example.com")
	must(t, err)
	if got.ID != u.ID || got.PasswordHash != u.PasswordHash || got.FullName != "Ada" ||
		got.CreditsBalance != velro.WelcomeCredits || !got.CreatedAt.Equal(u.CreatedAt) || got.CreatedAt.Location() != time.UTC {
		t.Fatalf("found by email = %+v, want %+v", got, u)
	}
	got, err = s.FindUserByID(ctx(t), u.ID)
	must(t, err)
	if got.Email != u.Email {
		t.Fatalf("found by id = %+v", got)
	}

	dup := &velro.User{ID: velro.NewID(), Email: "ada@EXAMPLE.com", PasswordHash: "x", Role: velro.UserRole}
	wantCode(t, errOf(s.CreateUser(ctx(t), dup)), velro.ECONFLICT)
	_, err = s.FindUserByID(ctx(t), dup.ID)
	wantCode(t, err, velro.ENOTFOUND)
	_, err = s.FindUserByEmail(ctx(t), "nobody@example.com")
	wantCode(t, err, velro.ENOTFOUND)

	name, avatar := "Ada Lovelace", "https://example.com/a.png"
	upd, _, err := s.UpdateUser(ctx(t), u.ID, velro.UserUpdate{FullName: &name})
	must(t, err)
	if upd.FullName != name || upd.AvatarURL != "" || upd.CreditsBalance != velro.WelcomeCredits {
		t.Fatalf("after name update = %+v", upd)
	}
	upd, _, err = s.UpdateUser(ctx(t), u.ID, velro.UserUpdate{AvatarURL: &avatar})
	must(t, err)
	if upd.FullName != name || upd.AvatarURL != avatar || upd.Role != velro.UserRole || upd.UpdatedAt.Before(upd.CreatedAt) {
		t.Fatalf("after avatar update = %+v", upd)
	}
	_, _, err = s.UpdateUser(ctx(t), uuid.New(), velro.UserUpdate{FullName: &name})
	wantCode(t, err, velro.ENOTFOUND)
}

func testSessions(t *testing.T, open Opener) {
	s := open(t, 0)
	u := NewUser(t, s, "sess@example.com")
	now := velro.Now()
	sess := &velro.Session{ID: velro.NewID(), UserID: u.ID, CreatedAt: now, RefreshedAt: now}
	must(t, errOf(s.CreateSession(ctx(t), sess)))

	got, err := s.FindSession(ctx(t), sess.ID)
	must(t, err)
	if got.UserID != u.ID || got.Counter != 0 || got.Revoked() || !got.CreatedAt.Equal(now) {
		t.Fatalf("found session = %+v", got)
	}
	_, err = s.FindSession(ctx(t), uuid.New())
	wantCode(t, err, velro.ENOTFOUND)

	later := now.Add(time.Second)
	life := velro.SessionLifetime{Idle: time.Hour, Max: 3 * time.Hour}
	owner, ok, _, err := s.RotateSession(ctx(t), sess.ID, 0, later, life)
	must(t, err)
	if !ok || owner != u.ID {
		t.Fatalf("first rotation from 0: rotated=%v, user %v", ok, owner)
	}
	if _, ok, _, _ := s.RotateSession(ctx(t), sess.ID, 0, later, life); ok {
		t.Fatal("a second rotation from the same counter happened")
	}
	got, _ = s.FindSession(ctx(t), sess.ID)
	if got.Counter != 1 || !got.RefreshedAt.Equal(later) {
		t.Fatalf("after rotation = %+v", got)
	}

	must(t, errOf(s.RevokeSession(ctx(t), sess.ID, later, velro.AuditLogout)))
	must(t, errOf(s.RevokeSession(ctx(t), sess.ID, later.Add(time.Second), velro.AuditLogout))) // idempotent
	got, _ = s.FindSession(ctx(t), sess.ID)
	if !got.Revoked() || !got.RevokedAt.Equal(later) {
		t.Fatalf("after revoke = %+v", got)
	}
	if _, ok, _, _ := s.RotateSession(ctx(t), sess.ID, 1, later, life); ok {
		t.Fatal("a revoked session rotated")
	}
	if _, ok, _, err := s.RotateSession(ctx(t), uuid.New(), 0, later, life); ok || err != nil {
		t.Fatalf("an unknown session: rotated=%v, %v", ok, err)
	}
}

// testSessionLifetime: a session rotates while it was refreshed less than
// Idle and created less than Max ago, and not at either limit; the store's
// conditional update agrees with velro.Session.Expired at every step.
func testSessionLifetime(t *testing.T, open Opener) {
	s := open(t, 0)
	u := NewUser(t, s, "life@example.com")
	start := velro.Now()
	sess := &velro.Session{ID: velro.NewID(), UserID: u.ID, CreatedAt: start, RefreshedAt: start}
	must(t, errOf(s.CreateSession(ctx(t), sess)))
	life := velro.SessionLifetime{Idle: time.Hour, Max: 3 * time.Hour}
	steps := []struct {
		after   time.Duration // since start
		rotates bool
	}{
		{59 * time.Minute, true},             // refreshed now, at 59m
		{59*time.Minute + time.Hour, false},  // exactly Idle after that refresh
		{time.Hour + 58*time.Minute, true},   // refreshed 59m before
		{2*time.Hour + 57*time.Minute, true}, // again
		{3*time.Hour - time.Microsecond, true},
		{3 * time.Hour, false}, // exactly Max after the start
		{400 * 24 * time.Hour, false},
	}
	for _, step := range steps {
		now := start.Add(step.after)
		cur, err := s.FindSession(ctx(t), sess.ID)
		must(t, err)
		if expired := cur.Expired(now, life); expired == step.rotates {
			t.Fatalf("at +%v: Expired = %v, want %v", step.after, expired, !step.rotates)
		}
		_, ok, _, err := s.RotateSession(ctx(t), sess.ID, cur.Counter, now, life)
		must(t, err)
		if ok != step.rotates {
			t.Fatalf("at +%v (refreshed at +%v): rotated = %v, want %v", step.after, cur.RefreshedAt.Sub(start), ok, step.rotates)
		}
	}
}
