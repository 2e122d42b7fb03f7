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
