package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

func testInvitations(t *testing.T, open Opener) {
	s := open(t, 0)
	owner, ann, bob := NewUser(t, s, "owner@example.com"), NewUser(t, s, "ann@example.com"), NewUser(t, s, "bob@example.com")
	team := NewTeam(t, s, owner.ID, map[uuid.UUID]velro.TeamRole{bob.ID: velro.TeamViewer})
	p := NewProject(t, s, owner.ID, velro.VisibilityTeamOnly)
	_, err := s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: p.ID, TeamID: team.ID, AccessLevel: velro.ShareWrite}, velro.NoRule)
	must(t, err)

	inv := &velro.Invitation{ID: velro.NewID(), TeamID: team.ID, Email: "ANN@example.com", Role: velro.TeamEditor, InvitedBy: &owner.ID}
	must(t, errOf(s.CreateInvitation(ctx(t), inv, velro.NoRule)))
	if inv.Email != "ann@example.com" || inv.Status != velro.InvitationPending || inv.TeamName != "Team" ||
		inv.ExpiresAt.Sub(inv.CreatedAt) != velro.InvitationTTL {
		t.Fatalf("created invitation %+v", inv)
	}
	dup := &velro.Invitation{ID: velro.NewID(), TeamID: team.ID, Email: "ann@example.com", Role: velro.TeamViewer}
	wantCode(t, errOf(s.CreateInvitation(ctx(t), dup, velro.NoRule)), velro.ECONFLICT)
	member := &velro.Invitation{ID: velro.NewID(), TeamID: team.ID, Email: "bob@example.com", Role: velro.TeamViewer}
	wantCode(t, errOf(s.CreateInvitation(ctx(t), member, velro.NoRule)), velro.ECONFLICT)
	wantCode(t, errOf(s.CreateInvitation(ctx(t), &velro.Invitation{ID: velro.NewID(), TeamID: uuid.New(), Email: "x@example.com", Role: velro.TeamViewer},
		velro.NoRule)), velro.ENOTFOUND)

	got, err := s.FindInvitation(ctx(t), inv.ID)
	must(t, err)
	if got.Email != inv.Email || got.Role != velro.TeamEditor || got.InvitedBy == nil || *got.InvitedBy != owner.ID || !got.ExpiresAt.Equal(inv.ExpiresAt) {
		t.Fatalf("found invitation %+v", got)
	}
	// No token until its mail is sent; then only its hash finds it.
	_, err = s.FindInvitationByToken(ctx(t), velro.HashToken("nothing"))
	wantCode(t, err, velro.ENOTFOUND)
	token, hash := velro.NewToken()
	ok, _, err := s.SetInvitationToken(ctx(t), inv.ID, hash)
	must(t, err)
	if !ok {
		t.Fatal("the token of a pending invitation was not recorded")
	}
	if got, err := s.FindInvitationByToken(ctx(t), velro.HashToken(token)); err != nil || got.ID != inv.ID {
		t.Fatalf("by token: %+v, %v", got, err)
	}
	if list, _ := s.ListInvitations(ctx(t), team.ID); len(list) != 1 || list[0].ID != inv.ID {
		t.Fatalf("pending invitations %+v", list)
	}

	// Only the invited address answers; accepting makes a member with the
	// role, at once in the effective-access table, and proves the address
	// (the token came by mail to it).
	_, _, err = s.AcceptInvitation(ctx(t), hash, bob.ID)
	wantCode(t, err, velro.EFORBIDDEN)
	_, _, err = s.DeclineInvitation(ctx(t), hash, bob.ID)
	wantCode(t, err, velro.EFORBIDDEN)
	_, _, err = s.AcceptInvitation(ctx(t), velro.HashToken("nothing"), ann.ID)
	wantCode(t, err, velro.ENOTFOUND)
	accepted, eff, err := s.AcceptInvitation(ctx(t), hash, ann.ID)
	must(t, err)
	if accepted.Status != velro.InvitationAccepted || len(eff.Access.Projects) != 1 || eff.Access.Projects[0] != p.ID || eff.Access.Teams[0] != team.ID {
		t.Fatalf("accepted %+v, change %+v", accepted, eff)
	}
	if u, err := s.FindUserByID(ctx(t), ann.ID); err != nil || !u.EmailVerified || len(eff.Users) != 1 || eff.Users[0] != ann.ID {
		t.Fatalf("after accepting, the invitee's address is verified %v (%v), users in effects %v", u != nil && u.EmailVerified, err, eff.Users)
	}
	wantAccess(t, s, ann.ID, velro.KindProject, p.ID, velro.Access{Role: velro.RoleEditor, Method: velro.MethodTeam}, "after accepting")
	_, _, err = s.AcceptInvitation(ctx(t), hash, ann.ID)
	wantCode(t, err, velro.ECONFLICT)
	_, _, err = s.DeclineInvitation(ctx(t), hash, ann.ID)
	wantCode(t, err, velro.ECONFLICT)
	if list, _ := s.ListInvitations(ctx(t), team.ID); len(list) != 0 {
		t.Fatalf("an accepted invitation is listed as pending: %+v", list)
	}
	if ok, _, _ := s.SetInvitationToken(ctx(t), inv.ID, hash); ok {
		t.Fatal("a token was recorded for an answered invitation")
	}

	// Decline, revoke, expiry.
	carl := NewUser(t, s, "carl@example.com")
	declineToken := NewInvitation(t, s, team.ID, "carl@example.com", velro.TeamViewer)
	declined, _, err := s.DeclineInvitation(ctx(t), velro.HashToken(declineToken), carl.ID)
	must(t, err)
	if declined.Status != velro.InvitationDeclined {
		t.Fatalf("declined %+v", declined)
	}
	revokeToken := NewInvitation(t, s, team.ID, "carl@example.com", velro.TeamViewer) // a new one after a decline
	revoked, err := s.FindInvitationByToken(ctx(t), velro.HashToken(revokeToken))
	must(t, err)
	_, _, err = s.RevokeInvitation(ctx(t), uuid.New(), revoked.ID, velro.NoRule)
	wantCode(t, err, velro.ENOTFOUND)
	r, _, err := s.RevokeInvitation(ctx(t), team.ID, revoked.ID, velro.NoRule)
	must(t, err)
	if r.Status != velro.InvitationRevoked {
		t.Fatalf("revoked %+v", r)
	}
	_, _, err = s.RevokeInvitation(ctx(t), team.ID, revoked.ID, velro.NoRule)
	wantCode(t, err, velro.ECONFLICT)
	_, _, err = s.AcceptInvitation(ctx(t), velro.HashToken(revokeToken), carl.ID)
	wantCode(t, err, velro.ECONFLICT)

	old := &velro.Invitation{ID: velro.NewID(), TeamID: team.ID, Email: "carl@example.com", Role: velro.TeamViewer,
		ExpiresAt: velro.Now().Add(-time.Minute)}
	must(t, errOf(s.CreateInvitation(ctx(t), old, velro.NoRule)))
	if got, _ := s.FindInvitation(ctx(t), old.ID); got.Status != velro.InvitationExpired {
		t.Fatalf("an invitation past its expiry reads %q", got.Status)
	}
	NewInvitation(t, s, team.ID, "carl@example.com", velro.TeamViewer) // an expired invitation holds no place

	dora := NewUser(t, s, "dora@example.com")
	past := &velro.Invitation{ID: velro.NewID(), TeamID: team.ID, Email: "dora@example.com", Role: velro.TeamViewer,
		ExpiresAt: velro.Now().Add(-time.Second)}
	must(t, errOf(s.CreateInvitation(ctx(t), past, velro.NoRule)))
	pastToken, pastHash := velro.NewToken()
	if ok, _, err := s.SetInvitationToken(ctx(t), past.ID, pastHash); err != nil || !ok {
		t.Fatalf("set token: %v %v", ok, err)
	}
	_, _, err = s.AcceptInvitation(ctx(t), velro.HashToken(pastToken), dora.ID)
	wantCode(t, err, velro.EEXPIRED)
	_, _, err = s.DeclineInvitation(ctx(t), velro.HashToken(pastToken), dora.ID)
	wantCode(t, err, velro.EEXPIRED)
	if tm, _ := s.FindTeam(ctx(t), team.ID); tm.Role(dora.ID) != "" {
		t.Fatal("an expired invitation made a member")
	}
}

// testAcceptRace: an invitation accepted by several requests at the same
// instant makes one member, once.
func testAcceptRace(t *testing.T, open Opener) {
	s := open(t, 0)
	owner := NewUser(t, s, "owner@example.com")
	team := NewTeam(t, s, owner.ID, nil)
	p := NewProject(t, s, owner.ID, velro.VisibilityTeamOnly)
	_, err := s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: p.ID, TeamID: team.ID, AccessLevel: velro.ShareRead}, velro.NoRule)
	must(t, err)
	for round := range 5 {
		u := NewUser(t, s, uuid.NewString()+"@example.com")
		hash := velro.HashToken(NewInvitation(t, s, team.ID, u.Email, velro.TeamEditor))
		ok := atOnce(t, 6, velro.ECONFLICT, func() error {
			_, _, err := s.AcceptInvitation(ctx(t), hash, u.ID)
			return err
		})
		if ok != 1 {
			t.Fatalf("round %d: the invitation was accepted %d times", round, ok)
		}
		wantAccess(t, s, u.ID, velro.KindProject, p.ID, velro.Access{Role: velro.RoleViewer, Method: velro.MethodTeam}, "after the accepts")
	}
}

// testInviterAuthority: an invitation holds only while its inviter may
// still add a member with its role. Team admin A invites M as editor; the
// owner removes A (or makes A a viewer, or A's account is deleted); M's
// accept is refused and M joins nothing. The owner's invitations and an
// admin's that still stands are unaffected.
func testInviterAuthority(t *testing.T, open Opener) {
	s := open(t, 0)
	owner, a := NewUser(t, s, "owner@example.com"), NewUser(t, s, "admin-a@example.com")
	team := NewTeam(t, s, owner.ID, map[uuid.UUID]velro.TeamRole{a.ID: velro.TeamAdmin})
	p := NewProject(t, s, owner.ID, velro.VisibilityTeamOnly)
	_, err := s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: p.ID, TeamID: team.ID, AccessLevel: velro.ShareWrite}, velro.NoRule)
	must(t, err)
	invitee := func(name string) *velro.User { return NewUser(t, s, name+"@example.com") }
	accept := func(u *velro.User, token string) error {
		_, _, err := s.AcceptInvitation(ctx(t), velro.HashToken(token), u.ID)
		return err
	}

	m1, m2, m3, m4 := invitee("m1"), invitee("m2"), invitee("m3"), invitee("m4")
	fromA1 := NewInvitationFrom(t, s, team.ID, a.ID, m1.Email, velro.TeamEditor)
	fromA2 := NewInvitationFrom(t, s, team.ID, a.ID, m2.Email, velro.TeamViewer)
	fromOwner := NewInvitation(t, s, team.ID, m3.Email, velro.TeamAdmin)
	must(t, accept(m1, fromA1)) // A is an admin still: it holds
	// Demoted to viewer, A vouches for no one.
	must(t, errOf(s.SetTeamMemberRole(ctx(t), team.ID, a.ID, velro.TeamViewer, velro.NoRule)))
	wantCode(t, accept(m2, fromA2), velro.ECONFLICT)
	must(t, accept(m3, fromOwner))
	// Made an admin again, then removed.
	must(t, errOf(s.SetTeamMemberRole(ctx(t), team.ID, a.ID, velro.TeamAdmin, velro.NoRule)))
	fromA4 := NewInvitationFrom(t, s, team.ID, a.ID, m4.Email, velro.TeamEditor)
	must(t, errOf(s.RemoveTeamMember(ctx(t), team.ID, a.ID, velro.NoRule)))
	wantCode(t, accept(m4, fromA4), velro.ECONFLICT)
	for _, u := range []*velro.User{m2, m4} {
		wantAccess(t, s, u.ID, velro.KindProject, p.ID, velro.Access{}, "after accepting a stale invitation")
	}
	// The refused accept changed nothing: the invitation is still pending
	// (the team may revoke it), the address can be invited anew.
	if inv, err := s.FindInvitationByToken(ctx(t), velro.HashToken(fromA4)); err != nil || inv.Status != velro.InvitationPending {
		t.Fatalf("after a refused accept: %+v, %v", inv, err)
	}

	// A deleted inviter vouches for no one.
	b := NewUser(t, s, "admin-b@example.com")
	must(t, errOf(s.AddTeamMember(ctx(t), team.ID, b.ID, velro.TeamAdmin, velro.NoRule)))
	m5 := invitee("m5")
	fromB := NewInvitationFrom(t, s, team.ID, b.ID, m5.Email, velro.TeamViewer)
	_, err = s.DeleteUser(ctx(t), b.ID, velro.NoRule)
	must(t, err)
	wantCode(t, accept(m5, fromB), velro.ECONFLICT)
}

// testInviterRemovalRace: the owner removes admin A at the same instant as
// M accepts A's invitation, round after round. M may join only if the
// accept came first: when M is a member, the accept's audit event must be
// older than A's removal.
func testInviterRemovalRace(t *testing.T, open Opener) {
	s := open(t, 0)
	owner := NewUser(t, s, "owner@example.com")
	refused := 0
	for round := range 8 {
		a, m := NewUser(t, s, uuid.NewString()+"@example.com"), NewUser(t, s, uuid.NewString()+"@example.com")
		team := NewTeam(t, s, owner.ID, map[uuid.UUID]velro.TeamRole{a.ID: velro.TeamAdmin})
		token := NewInvitationFrom(t, s, team.ID, a.ID, m.Email, velro.TeamEditor)
		start := make(chan struct{})
		var removeErr, acceptErr error
		var wg sync.WaitGroup
		wg.Go(func() {
			<-start
			removeErr = errOf(s.RemoveTeamMember(ctx(t), team.ID, a.ID, velro.NoRule))
		})
		wg.Go(func() {
			<-start
			_, _, acceptErr = s.AcceptInvitation(ctx(t), velro.HashToken(token), m.ID)
		})
		close(start)
		wg.Wait()
		must(t, removeErr)
		tm, err := s.FindTeam(ctx(t), team.ID)
		must(t, err)
		switch velro.ErrorCode(acceptErr) {
		case velro.ECONFLICT:
			refused++
			if tm.Role(m.ID) != "" {
				t.Fatalf("round %d: a refused accept made a member", round)
			}
		case "":
			if tm.Role(m.ID) != velro.TeamEditor {
				t.Fatalf("round %d: an accepted invitation made %q", round, tm.Role(m.ID))
			}
			accepted := auditAt(t, s, velro.AuditInvitationAccept, nil)
			removed := auditAt(t, s, velro.AuditMemberRemoved, &team.ID)
			if !accepted.Before(removed) {
				t.Fatalf("round %d: M joined through A at %v, after A was removed at %v", round, accepted, removed)
			}
		default:
			t.Fatalf("round %d: accept failed: %v", round, acceptErr)
		}
	}
	t.Logf("%d of 8 accepts lost the race to the removal", refused)
}

// auditAt is when the newest event of the action (on the target, if
// given) was recorded.
func auditAt(t *testing.T, s velro.Store, action velro.AuditAction, target *uuid.UUID) time.Time {
	t.Helper()
	list, _, err := s.ListAudit(ctx(t), velro.AuditFilter{Action: action, TargetID: target, Page: velro.Page{Limit: 1}})
	must(t, err)
	if len(list) == 0 {
		t.Fatalf("no %s event", action)
	}
	return list[0].CreatedAt
}
