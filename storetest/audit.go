package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/velro-ai/velro"
)

// testAudit: writes record their events in their own transaction, with
// the request's actor; a refused write records nothing; the log filters,
// pages and prunes.
func testAudit(t *testing.T, open Opener) {
	s := open(t, 0)
	owner, member := NewUser(t, s, "owner@example.com"), NewUser(t, s, "member@example.com")
	p := NewProject(t, s, owner.ID, velro.VisibilityTeamOnly)
	team := NewTeam(t, s, owner.ID, nil)
	as := velro.WithActor(ctx(t), velro.Actor{UserID: owner.ID, IP: "203.0.113.7", UserAgent: "test-agent"})

	_, err := s.AddTeamMember(as, team.ID, member.ID, velro.TeamViewer, velro.NoRule)
	must(t, err)
	_, err = s.ShareProject(as, &velro.ProjectShare{ProjectID: p.ID, TeamID: team.ID, AccessLevel: velro.ShareWrite}, velro.NoRule)
	must(t, err)
	refused := velro.Errorf(velro.EFORBIDDEN, "no")
	_, err = s.UnshareProject(as, p.ID, team.ID, func(context.Context, velro.Authorizer) error { return refused })
	wantCode(t, err, velro.EFORBIDDEN)

	list, total, err := s.ListAudit(ctx(t), velro.AuditFilter{TargetID: &p.ID, Page: velro.Page{Limit: 10}})
	must(t, err)
	if total != 1 || len(list) != 1 {
		t.Fatalf("events about the project: %d %+v (the refused unshare must leave none)", total, list)
	}
	ev := list[0]
	if ev.Action != velro.AuditShared || ev.ActorID == nil || *ev.ActorID != owner.ID || ev.IP != "203.0.113.7" ||
		ev.UserAgent != "test-agent" || ev.TargetType != "project" || ev.Details["team_id"] != team.ID.String() ||
		ev.Details["access_level"] != "write" {
		t.Fatalf("share event %+v", ev)
	}

	// Filters: action, actor, target, time; newest first.
	all, total, err := s.ListAudit(ctx(t), velro.AuditFilter{ActorID: &owner.ID, Page: velro.Page{Limit: 10}})
	must(t, err)
	if total != 3 || all[0].Action != velro.AuditShared || all[1].Action != velro.AuditMemberAdded || all[2].Action != velro.AuditRegistered {
		t.Fatalf("the owner's events: %d %v", total, actions(all))
	}
	if _, n, err := s.ListAudit(ctx(t), velro.AuditFilter{Action: velro.AuditRegistered, Page: velro.Page{Limit: 10}}); err != nil || n != 2 {
		t.Fatalf("registrations: %d %v", n, err)
	}
	future := time.Now().Add(time.Hour)
	if _, n, err := s.ListAudit(ctx(t), velro.AuditFilter{Since: future, Page: velro.Page{Limit: 10}}); err != nil || n != 0 {
		t.Fatalf("events since an hour from now: %d %v", n, err)
	}
	if page, n, err := s.ListAudit(ctx(t), velro.AuditFilter{Until: future, Page: velro.Page{Limit: 1, Offset: 1}}); err != nil || n != 4 || len(page) != 1 {
		t.Fatalf("a page of every event: %d %d %v", n, len(page), err)
	}

	// An event of no write.
	must(t, errOf(s.RecordAudit(ctx(t), &velro.AuditEvent{Action: velro.AuditLoginFailed, TargetType: "user", Details: map[string]any{"email": "x@example.com"}})))
	failed, _, err := s.ListAudit(ctx(t), velro.AuditFilter{Action: velro.AuditLoginFailed, Page: velro.Page{Limit: 10}})
	must(t, err)
	if len(failed) != 1 || failed[0].ActorID != nil || failed[0].TargetID != nil || failed[0].Details["email"] != "x@example.com" {
		t.Fatalf("failed login event %+v", failed)
	}

	n, _, err := s.PruneAudit(ctx(t), future)
	must(t, err)
	if n != 5 {
		t.Fatalf("pruned %d events, want 5", n)
	}
	if _, left, _ := s.ListAudit(ctx(t), velro.AuditFilter{Page: velro.Page{Limit: 10}}); left != 0 {
		t.Fatalf("%d events left after pruning everything", left)
	}
}

func actions(list []*velro.AuditEvent) []velro.AuditAction {
	out := make([]velro.AuditAction, len(list))
	for i, ev := range list {
		out[i] = ev.Action
	}
	return out
}
