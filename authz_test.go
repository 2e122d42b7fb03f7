package velro_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/internal/testenv"
)

// TestPermissionTable is the permission table (docs/guide.md, "Who may do
// what"), cell by cell, written out.
func TestPermissionTable(t *testing.T) {
	roles := []velro.Role{velro.RoleNone, velro.RoleViewer, velro.RoleEditor, velro.RoleAdmin, velro.RoleOwner}
	table := map[velro.Action][5]bool{ // none, viewer, editor, admin, owner
		velro.ActionView:             {false, true, true, true, true},
		velro.ActionDownload:         {false, true, true, true, true},
		velro.ActionEdit:             {false, false, true, true, true},
		velro.ActionDeleteGeneration: {false, false, true, true, true},
		velro.ActionShare:            {false, false, false, true, true},
		velro.ActionDeleteProject:    {false, false, false, false, true},
		velro.ActionManageTeam:       {false, false, false, true, true},
		velro.ActionDeleteTeam:       {false, false, false, false, true},
	}
	for action, row := range table {
		for i, role := range roles {
			if got := role.Can(action); got != row[i] {
				t.Errorf("%v.Can(%d) = %v, want %v", role, action, got, row[i])
			}
		}
	}
	if velro.RoleOwner.Can(velro.Action(99)) {
		t.Error("an unknown action is allowed")
	}
}

// TestProjectAccess covers every visibility x team role x share level, for
// members, owners and strangers.
func TestProjectAccess(t *testing.T) {
	shareRole := map[velro.ShareLevel]velro.Role{velro.ShareRead: velro.RoleViewer, velro.ShareWrite: velro.RoleEditor, velro.ShareAdmin: velro.RoleAdmin}
	teamRole := map[velro.TeamRole]velro.Role{velro.TeamViewer: velro.RoleViewer, velro.TeamEditor: velro.RoleEditor,
		velro.TeamAdmin: velro.RoleAdmin, velro.TeamOwner: velro.RoleAdmin}
	for _, vis := range []velro.Visibility{velro.VisibilityPrivate, velro.VisibilityTeamOnly, velro.VisibilityPublic} {
		owner := velro.ProjectAccess(true, vis, velro.RoleNone)
		if owner != (velro.Access{Role: velro.RoleOwner, Method: velro.MethodOwnership}) {
			t.Errorf("%s: owner gets %v", vis, owner)
		}
		stranger := velro.ProjectAccess(false, vis, velro.RoleNone)
		if want := map[bool]velro.Access{true: {Role: velro.RoleViewer, Method: velro.MethodPublic}, false: {}}[vis == velro.VisibilityPublic]; stranger != want {
			t.Errorf("%s: stranger gets %v, want %v", vis, stranger, want)
		}
		for tr, trRole := range teamRole {
			for level, lRole := range shareRole {
				name := fmt.Sprintf("%s/%s/%s", vis, tr, level)
				shared := velro.SharedRole(tr, level)
				if want := min(trRole, lRole); shared != want {
					t.Errorf("%s: shared role %v, want the lower %v", name, shared, want)
				}
				got := velro.ProjectAccess(false, vis, shared)
				var want velro.Access
				switch vis {
				case velro.VisibilityPrivate:
					want = velro.Access{}
				case velro.VisibilityTeamOnly:
					want = velro.Access{Role: shared, Method: velro.MethodTeam}
				case velro.VisibilityPublic:
					want = velro.Access{Role: shared, Method: velro.MethodTeam} // shared is at least viewer
				}
				if got != want {
					t.Errorf("%s: access %v/%v, want %v/%v", name, got.Role, got.Method, want.Role, want.Method)
				}
				// Generations inherit from the project unless the caller owns them.
				if g := velro.GenerationAccess(false, got); g != got {
					t.Errorf("%s: generation access %v differs from project %v", name, g, got)
				}
				if g := velro.GenerationAccess(true, got); g.Role != velro.RoleOwner {
					t.Errorf("%s: generation owner gets %v", name, g)
				}
			}
		}
	}
	if g := velro.GenerationAccess(false, velro.Access{}); g.Role != velro.RoleNone {
		t.Errorf("a generation outside projects is visible to others: %v", g)
	}
}

func TestCanManageMember(t *testing.T) {
	const none = ""
	o, a, e, v := velro.TeamOwner, velro.TeamAdmin, velro.TeamEditor, velro.TeamViewer
	cases := []struct {
		actor, target, to velro.TeamRole
		ok                bool
	}{
		// The owner manages anyone but an owner.
		{o, none, a, true}, {o, none, e, true}, {o, none, v, true},
		{o, a, e, true}, {o, e, a, true}, {o, v, none, true}, {o, a, none, true},
		{o, o, a, false}, {o, o, none, false}, {o, a, o, false},
		// An admin manages editors and viewers only.
		{a, none, e, true}, {a, none, v, true}, {a, e, v, true}, {a, v, e, true}, {a, e, none, true}, {a, v, none, true},
		{a, none, a, false}, {a, e, a, false}, {a, a, e, false}, {a, a, none, false}, {a, o, none, false},
		// Editors and viewers manage no one.
		{e, none, v, false}, {e, v, none, false}, {v, none, v, false},
	}
	for _, c := range cases {
		if got := velro.CanManageMember(c.actor, c.target, c.to); got != c.ok {
			t.Errorf("CanManageMember(%q, %q, %q) = %v, want %v", c.actor, c.target, c.to, got, c.ok)
		}
	}
}

func TestProjectValidation(t *testing.T) {
	long := func(n int) string { return fmt.Sprintf("%0*d", n, 0) }
	for name, p := range map[string]velro.Project{
		"blank name":       {Name: "   ", Visibility: velro.VisibilityPrivate},
		"long name":        {Name: long(101), Visibility: velro.VisibilityPrivate},
		"long description": {Name: "n", Description: long(501), Visibility: velro.VisibilityPrivate},
		"bad visibility":   {Name: "n", Visibility: "secret"},
		"too many tags":    {Name: "n", Visibility: velro.VisibilityPrivate, Tags: make([]string, 11)},
		"long tag":         {Name: "n", Visibility: velro.VisibilityPrivate, Tags: []string{long(51)}},
	} {
		if err := p.Validate(); velro.ErrorCode(err) != velro.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
	ok := velro.Project{Name: " n ", Description: long(500), Visibility: velro.VisibilityPublic, Tags: make([]string, 10)}
	if err := ok.Validate(); err != nil || ok.Name != "n" || ok.Metadata == nil {
		t.Errorf("valid project refused or not normalised: %v %+v", err, ok)
	}
}

// TestGuidePermissions: docs/guide.md's permission table is the rules',
// generated.
func TestGuidePermissions(t *testing.T) {
	rows := []struct {
		what    string
		actions []velro.Action
	}{
		{"view, download (a project, its generations)", []velro.Action{velro.ActionView, velro.ActionDownload}},
		{"edit: update a project, add generations to it, favorite, cancel", []velro.Action{velro.ActionEdit}},
		{"delete a generation", []velro.Action{velro.ActionDeleteGeneration}},
		{"share, change visibility, manage the project's teams", []velro.Action{velro.ActionShare}},
		{"delete the project", []velro.Action{velro.ActionDeleteProject}},
		{"update a team, manage its members (see below)", []velro.Action{velro.ActionManageTeam}},
		{"delete a team", []velro.Action{velro.ActionDeleteTeam}},
	}
	roles := []velro.Role{velro.RoleViewer, velro.RoleEditor, velro.RoleAdmin, velro.RoleOwner}
	var b strings.Builder
	b.WriteString("| permission | viewer | editor | admin | owner |\n|---|---|---|---|---|\n")
	for _, row := range rows {
		b.WriteString("| " + row.what + " |")
		for _, r := range roles {
			cell := " yes |"
			for _, a := range row.actions {
				if !r.Can(a) {
					cell = " |"
				}
			}
			b.WriteString(cell)
		}
		b.WriteString("\n")
	}
	b.WriteString("\nTeam members: the owner adds, re-roles and removes anyone but an owner; an admin does so for editors and\nviewers only (and cannot make admins); any member but the owner may leave.\n")
	testenv.Generated(t, "docs/guide.md", "permissions", b.String())
}
