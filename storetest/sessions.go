package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// testSessionList: an account lists its live sessions with how and where
// they began, most recently refreshed first; ended and expired ones are
// not listed; it ends one of its own, never another account's (ENOTFOUND,
// and that session lives), and all its others at once.
func testSessionList(t *testing.T, open Opener) {
	s := open(t, 0)
	ann, bob := NewUser(t, s, "ann@example.com"), NewUser(t, s, "bob@example.com")
	now := velro.Now()
	life := velro.SessionLifetime{Idle: time.Hour, Max: 3 * time.Hour}
	mk := func(user uuid.UUID, created, refreshed time.Duration, ip string) *velro.Session {
		sess := &velro.Session{ID: velro.NewID(), UserID: user, CreatedAt: now.Add(-created), RefreshedAt: now.Add(-refreshed),
			Method: velro.SignInPassword, MFA: ip == "10.0.0.2", IP: ip, UserAgent: "agent " + ip}
		must(t, errOf(s.CreateSession(ctx(t), sess)))
		return sess
	}
	older := mk(ann.ID, 2*time.Hour, 30*time.Minute, "10.0.0.1")
	newer := mk(ann.ID, time.Minute, time.Minute, "10.0.0.2")
	mk(ann.ID, 2*time.Hour, 61*time.Minute, "10.0.0.3") // idle too long
	mk(ann.ID, 4*time.Hour, time.Minute, "10.0.0.4")    // past its maximum
	ended := mk(ann.ID, time.Minute, time.Minute, "10.0.0.5")
	must(t, errOf(s.RevokeSession(ctx(t), ended.ID, now, velro.AuditLogout)))
	bobs := mk(bob.ID, time.Minute, time.Minute, "10.0.0.6")

	list, total, err := s.ListSessions(ctx(t), ann.ID, now, life, velro.Page{Limit: 10})
	must(t, err)
	if total != 2 || len(list) != 2 || list[0].ID != newer.ID || list[1].ID != older.ID {
		t.Fatalf("listed %d of %d: %+v", len(list), total, list)
	}
	if g := list[0]; g.Method != velro.SignInPassword || !g.MFA || g.IP != "10.0.0.2" || g.UserAgent != "agent 10.0.0.2" ||
		!g.CreatedAt.Equal(newer.CreatedAt) || !g.RefreshedAt.Equal(newer.RefreshedAt) {
		t.Fatalf("listed session %+v, want %+v", g, newer)
	}
	page, total, err := s.ListSessions(ctx(t), ann.ID, now, life, velro.Page{Limit: 1, Offset: 1})
	must(t, err)
	if total != 2 || len(page) != 1 || page[0].ID != older.ID {
		t.Fatalf("second page: %d of %d", len(page), total)
	}

	wantCode(t, errOf(s.EndSession(ctx(t), ann.ID, bobs.ID, now)), velro.ENOTFOUND)
	if !live(t, s, bobs.ID) {
		t.Fatal("ann ended bob's session")
	}
	wantCode(t, errOf(s.EndSession(ctx(t), ann.ID, ended.ID, now)), velro.ENOTFOUND)
	eff, err := s.EndSession(ctx(t), ann.ID, older.ID, now)
	must(t, err)
	if !SameEffects(eff, velro.Effects{Sessions: ids(older.ID)}) || live(t, s, older.ID) {
		t.Fatalf("ending a session: effects %+v, live %v", eff, live(t, s, older.ID))
	}

	keep := mk(ann.ID, 0, 0, "10.0.0.7")
	n, eff, err := s.EndOtherSessions(ctx(t), ann.ID, keep.ID)
	must(t, err)
	// The expired but unrevoked sessions end too: they could never be
	// used again, and ending them costs nothing.
	if n != 3 || len(eff.Sessions) != 3 || live(t, s, newer.ID) || !live(t, s, keep.ID) || !live(t, s, bobs.ID) {
		t.Fatalf("ended %d (%v); newer live %v, kept live %v, bob's live %v", n, eff.Sessions, live(t, s, newer.ID), live(t, s, keep.ID), live(t, s, bobs.ID))
	}
	if n, eff, err := s.EndOtherSessions(ctx(t), ann.ID, keep.ID); err != nil || n != 0 || !eff.IsZero() {
		t.Fatalf("nothing left to end: %d, %+v, %v", n, eff, err)
	}
}

// testEndSessionRace: the same session ended by two requests at the same
// instant ends once (one audit event); the other is told it is gone.
func testEndSessionRace(t *testing.T, open Opener) {
	s := open(t, 0)
	u := NewUser(t, s, "race@example.com")
	for range 5 {
		sess := newSession(t, s, u.ID)
		if ok := atOnce(t, 2, velro.ENOTFOUND, func() error { return errOf(s.EndSession(ctx(t), u.ID, sess.ID, velro.Now())) }); ok != 1 {
			t.Fatalf("%d of 2 simultaneous ends succeeded", ok)
		}
		events, _, err := s.ListAudit(ctx(t), velro.AuditFilter{Action: velro.AuditSessionEnded, TargetID: &sess.ID, Page: velro.Page{Limit: 10}})
		must(t, err)
		if len(events) != 1 {
			t.Fatalf("%d audit events for one session ended", len(events))
		}
	}
}
