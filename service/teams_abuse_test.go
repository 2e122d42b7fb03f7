package service_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/auth"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/bus"
	"github.com/velro-ai/velro/guard"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/redis"
	"github.com/velro-ai/velro/service"
	"github.com/velro-ai/velro/sqlstore"
	"github.com/velro-ai/velro/storetest"
)

// teamsWorld is a guarded store on one engine and the team use cases over
// it, with limits small enough to reach.
type teamsWorld struct {
	store *guard.Store
	authz *authz.Engine
	teams *service.Teams
}

var smallLimits = service.TeamLimits{InvitesPerInviter: 4, InvitesPerTeam: 6, InvitesPerAddress: 2, UnknownPerCaller: 3, UnknownPerClient: 5}

func newTeamsWorld(t *testing.T, db sqlstore.Engine, th *auth.Throttle) *teamsWorld {
	raw := testenv.Store(t, db, 0)
	b := new(bus.Local)
	engine := authz.New(authz.Config{Store: raw, Bus: b})
	store := guard.New(raw, engine, b)
	return &teamsWorld{store: store, authz: engine, teams: service.NewTeams(store, engine, service.TeamsConfig{Throttle: th, Limits: smallLimits})}
}

// engines runs body on SQLite and on PostgreSQL (skipped without it).
func engines(t *testing.T, body func(t *testing.T, db sqlstore.Engine)) {
	t.Run("sqlite", func(t *testing.T) { body(t, testenv.SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { body(t, testenv.Postgres(t)) })
}

// verified creates an account whose address is verified through a mailed
// token, as its owner would.
func verified(t *testing.T, s *guard.Store, email string) *velro.User {
	t.Helper()
	u := storetest.NewUser(t, s, email)
	token, hash := velro.NewToken()
	if _, err := s.IssueAccountToken(t.Context(), u.ID, velro.TokenEmailVerification, hash, velro.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.VerifyEmail(t.Context(), velro.HashToken(token)); err != nil {
		t.Fatal(err)
	}
	return u
}

// wantLimited fails unless err is a 429 that says when to come back.
func wantLimited(t *testing.T, err error, what string) {
	t.Helper()
	var e *velro.Error
	if !errors.As(err, &e) || e.Code != velro.ERATELIMIT || e.RetryAfter <= 0 {
		t.Fatalf("%s: %v, want rate_limited with a Retry-After", what, err)
	}
}

// TestInvitationMailAbuse: a fresh account cannot make Velro mail anyone;
// a verified one is held to its limits per inviter, per team and per
// invited address (invite, revoke, invite again included), and a refused
// or failed invitation costs nothing.
func TestInvitationMailAbuse(t *testing.T) {
	engines(t, func(t *testing.T, db sqlstore.Engine) {
		w := newTeamsWorld(t, db, nil)
		ctx := t.Context()
		fresh := storetest.NewUser(t, w.store, "fresh@example.com")
		team := storetest.NewTeam(t, w.store, fresh.ID, nil)
		_, err := w.teams.Invite(ctx, fresh.ID, team.ID, "victim@example.com", velro.TeamViewer)
		if velro.ErrorCode(err) != velro.EUNVERIFIED {
			t.Fatalf("an unverified account invites: %v", err)
		}

		// Per address: invite, revoke, invite again, from two teams.
		ann := verified(t, w.store, "ann@example.com")
		t1, t2 := storetest.NewTeam(t, w.store, ann.ID, nil), storetest.NewTeam(t, w.store, ann.ID, nil)
		inv, err := w.teams.Invite(ctx, ann.ID, t1.ID, "victim@example.com", velro.TeamViewer)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.teams.RevokeInvitation(ctx, ann.ID, t1.ID, inv.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.teams.Invite(ctx, ann.ID, t2.ID, "Victim@Example.com", velro.TeamViewer); err != nil {
			t.Fatal(err)
		}
		_, err = w.teams.Invite(ctx, ann.ID, t1.ID, "victim@example.com", velro.TeamViewer)
		wantLimited(t, err, "a third invitation to one address in a day")

		// A failed invitation (a duplicate) gives its attempt back.
		_, err = w.teams.Invite(ctx, ann.ID, t2.ID, "other@example.com", velro.TeamViewer)
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.teams.Invite(ctx, ann.ID, t2.ID, "other@example.com", velro.TeamViewer)
		if velro.ErrorCode(err) != velro.ECONFLICT {
			t.Fatalf("a duplicate invitation: %v", err)
		}
		// Per inviter: 4 an hour (victim twice, other once, so one more).
		if _, err := w.teams.Invite(ctx, ann.ID, t1.ID, "x1@example.com", velro.TeamViewer); err != nil {
			t.Fatal(err)
		}
		_, err = w.teams.Invite(ctx, ann.ID, t1.ID, "x2@example.com", velro.TeamViewer)
		wantLimited(t, err, "a fifth invitation by one inviter in an hour")

		// Per team: its managers together send at most 6 an hour.
		owner := verified(t, w.store, "owner@example.com")
		admins := []*velro.User{owner}
		roles := map[uuid.UUID]velro.TeamRole{}
		for i := range 2 {
			a := verified(t, w.store, fmt.Sprintf("admin%d@example.com", i))
			admins, roles[a.ID] = append(admins, a), velro.TeamAdmin
		}
		shared := storetest.NewTeam(t, w.store, owner.ID, roles)
		sent := 0
		for i := range 9 {
			if _, err := w.teams.Invite(ctx, admins[i%3].ID, shared.ID, fmt.Sprintf("t%d@example.com", i), velro.TeamViewer); err == nil {
				sent++
			} else {
				wantLimited(t, err, "past the team's invitations")
			}
		}
		if sent != smallLimits.InvitesPerTeam {
			t.Fatalf("the team sent %d invitations, want %d", sent, smallLimits.InvitesPerTeam)
		}
	})
}

// TestInvitationLimitsShared: two instances sharing Redis count one
// inviter's invitations together.
func TestInvitationLimitsShared(t *testing.T) {
	url := testenv.RedisURL(t)
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c, err := redis.Open(t.Context(), opts, "velro-test:"+uuid.NewString()+":")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	db := testenv.SQLite(t)
	a := newTeamsWorld(t, db, auth.NewThrottle(redis.NewLimiter(c), nil))
	b := &teamsWorld{store: a.store, teams: service.NewTeams(a.store, a.authz,
		service.TeamsConfig{Throttle: auth.NewThrottle(redis.NewLimiter(c), nil), Limits: smallLimits})}
	ann := verified(t, a.store, "ann@example.com")
	team := storetest.NewTeam(t, a.store, ann.ID, nil)
	for i := range smallLimits.InvitesPerInviter {
		w := []*teamsWorld{a, b}[i%2]
		if _, err := w.teams.Invite(t.Context(), ann.ID, team.ID, fmt.Sprintf("g%d@example.com", i), velro.TeamViewer); err != nil {
			t.Fatal(err)
		}
	}
	_, err = a.teams.Invite(t.Context(), ann.ID, team.ID, "last@example.com", velro.TeamViewer)
	wantLimited(t, err, "past the inviter's limit counted over two instances")
}

// TestAddMemberEnumeration: add-member answers 404 for an address without
// an account a few times per caller and per client; past that every answer
// is 429, for known addresses too, so probing stops telling them apart.
func TestAddMemberEnumeration(t *testing.T) {
	engines(t, func(t *testing.T, db sqlstore.Engine) {
		w := newTeamsWorld(t, db, nil)
		owner := storetest.NewUser(t, w.store, "owner@example.com")
		team := storetest.NewTeam(t, w.store, owner.ID, nil)
		known := storetest.NewUser(t, w.store, "known@example.com")
		ctx := velro.WithActor(t.Context(), velro.Actor{UserID: owner.ID, IP: "198.51.100.7"})
		for i := range smallLimits.UnknownPerCaller {
			_, err := w.teams.AddMember(ctx, owner.ID, team.ID, fmt.Sprintf("nobody%d@example.com", i), velro.TeamViewer)
			if velro.ErrorCode(err) != velro.ENOTFOUND {
				t.Fatalf("probe %d: %v", i, err)
			}
		}
		_, err := w.teams.AddMember(ctx, owner.ID, team.ID, "nobody-more@example.com", velro.TeamViewer)
		wantLimited(t, err, "an unknown address past the caller's budget")
		_, err = w.teams.AddMember(ctx, owner.ID, team.ID, known.Email, velro.TeamViewer)
		wantLimited(t, err, "a known address past the caller's budget")

		// Per client: other accounts from the same address share its budget.
		spent := smallLimits.UnknownPerCaller
		for i := 0; spent < smallLimits.UnknownPerClient; i++ {
			other := storetest.NewUser(t, w.store, fmt.Sprintf("sock%d@example.com", i))
			own := storetest.NewTeam(t, w.store, other.ID, nil)
			octx := velro.WithActor(t.Context(), velro.Actor{UserID: other.ID, IP: "198.51.100.7"})
			_, err := w.teams.AddMember(octx, other.ID, own.ID, fmt.Sprintf("nobody-s%d@example.com", i), velro.TeamViewer)
			if velro.ErrorCode(err) != velro.ENOTFOUND {
				t.Fatalf("sock puppet %d: %v", i, err)
			}
			spent++
		}
		last := storetest.NewUser(t, w.store, "last@example.com")
		lastTeam := storetest.NewTeam(t, w.store, last.ID, nil)
		lctx := velro.WithActor(t.Context(), velro.Actor{UserID: last.ID, IP: "198.51.100.7"})
		_, err = w.teams.AddMember(lctx, last.ID, lastTeam.ID, "nobody-last@example.com", velro.TeamViewer)
		wantLimited(t, err, "an unknown address past the client's budget")

		// Known addresses cost nothing: another client adds freely.
		other := velro.WithActor(t.Context(), velro.Actor{UserID: last.ID, IP: "203.0.113.9"})
		for i := range smallLimits.UnknownPerCaller + 2 {
			u := storetest.NewUser(t, w.store, fmt.Sprintf("friend%d@example.com", i))
			if _, err := w.teams.AddMember(other, last.ID, lastTeam.ID, u.Email, velro.TeamViewer); err != nil {
				t.Fatalf("adding a known address %d: %v", i, err)
			}
		}
	})
}
