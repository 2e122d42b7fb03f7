package velro_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// fixedAccess is an Authorizer that gives every user the same access to
// everything, and records what it was asked.
type fixedAccess struct {
	access velro.Access
	err    error
	asked  []velro.Kind
}

func (f *fixedAccess) Access(_ context.Context, _ uuid.UUID, kind velro.Kind, _ uuid.UUID) (velro.Access, error) {
	f.asked = append(f.asked, kind)
	return f.access, f.err
}

// TestRequire: no role is "not found" (no existence leak), a role short
// of the action is "forbidden", else the access is returned.
func TestRequire(t *testing.T) {
	const ok, hidden, forbidden = "", velro.ENOTFOUND, velro.EFORBIDDEN
	cases := []struct {
		access velro.Access
		action velro.Action
		want   string
	}{
		{noAccess, velro.ActionView, hidden},
		{noAccess, velro.ActionDeleteProject, hidden},
		{public, velro.ActionView, ok},
		{public, velro.ActionDownload, ok},
		{public, velro.ActionEdit, forbidden},
		{team(viewer), velro.ActionDeleteGeneration, forbidden},
		{team(editor), velro.ActionEdit, ok},
		{team(editor), velro.ActionDeleteGeneration, ok},
		{team(editor), velro.ActionShare, forbidden},
		{team(admin), velro.ActionShare, ok},
		{team(admin), velro.ActionDeleteProject, forbidden},
		{team(admin), velro.ActionManageTeam, ok},
		{team(admin), velro.ActionDeleteTeam, forbidden},
		{ownership, velro.ActionDeleteProject, ok},
		{ownership, velro.ActionDeleteTeam, ok},
	}
	user, id := uuid.New(), uuid.New()
	for _, c := range cases {
		a := &fixedAccess{access: c.access}
		got, err := velro.Require(t.Context(), a, user, c.action, velro.KindProject, id)
		if velro.ErrorCode(err) != c.want {
			t.Errorf("%v/%v, action %d: %v, want code %q", c.access.Role, c.access.Method, c.action, err, c.want)
		}
		if got != c.access {
			t.Errorf("%v/%v, action %d: returned %v", c.access.Role, c.access.Method, c.action, got)
		}
		// The Check of one permission is the same rule.
		if err := velro.Allowed(user, c.action, velro.KindProject, id)(t.Context(), a); velro.ErrorCode(err) != c.want {
			t.Errorf("Allowed: %v/%v, action %d: %v, want code %q", c.access.Role, c.access.Method, c.action, err, c.want)
		}
	}
	down := errors.New("database down")
	if _, err := velro.Require(t.Context(), &fixedAccess{access: ownership, err: down}, user, velro.ActionView, velro.KindProject, id); !errors.Is(err, down) {
		t.Errorf("an authorizer's error became %v", err)
	}
}

// TestAll: every check runs until the first refusal, which is returned.
func TestAll(t *testing.T) {
	user, id := uuid.New(), uuid.New()
	a := &fixedAccess{access: team(editor)}
	view := velro.Allowed(user, velro.ActionView, velro.KindProject, id)
	share := velro.Allowed(user, velro.ActionShare, velro.KindTeam, id)
	edit := velro.Allowed(user, velro.ActionEdit, velro.KindGeneration, id)
	if err := velro.All(view, edit)(t.Context(), a); err != nil {
		t.Errorf("two allowed checks: %v", err)
	}
	a.asked = nil
	if err := velro.All(view, share, edit)(t.Context(), a); velro.ErrorCode(err) != velro.EFORBIDDEN {
		t.Errorf("a refused check among allowed ones: %v", err)
	}
	if want := []velro.Kind{velro.KindProject, velro.KindTeam}; len(a.asked) != 2 || a.asked[0] != want[0] || a.asked[1] != want[1] {
		t.Errorf("checks run %v, want %v (none after the refusal)", a.asked, want)
	}
	if err := velro.NoRule(t.Context(), &fixedAccess{}); err != nil {
		t.Errorf("NoRule refused: %v", err)
	}
}
