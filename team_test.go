package velro_test

import (
	"testing"

	"github.com/velro-ai/velro"
)

// TestTeamAccess: a member's role on the team itself. The owner is owner;
// the others have their role, through membership.
func TestTeamAccess(t *testing.T) {
	table := map[velro.TeamRole]velro.Access{
		velro.TeamOwner:  ownership,
		velro.TeamAdmin:  team(admin),
		velro.TeamEditor: team(editor),
		velro.TeamViewer: team(viewer),
		"":               noAccess,
	}
	for teamRole, want := range table {
		got := velro.TeamAccess(teamRole)
		if got != want {
			t.Errorf("TeamAccess(%q) = %v/%v, want %v/%v", teamRole, got.Role, got.Method, want.Role, want.Method)
		}
		// MemberRole reads the team role back from the access.
		if back := velro.MemberRole(want); back != teamRole {
			t.Errorf("MemberRole(%v) = %q, want %q", want.Role, back, teamRole)
		}
	}
}

// TestTeamPermissions: who updates a team (and manages its members and
// invitations) and who deletes it: "PUT /{id}, DELETE /{id} -> owner/admin;
// delete owner only".
func TestTeamPermissions(t *testing.T) {
	table := []struct {
		role           velro.TeamRole
		manage, delete bool
	}{
		{velro.TeamOwner, true, true},
		{velro.TeamAdmin, true, false},
		{velro.TeamEditor, false, false},
		{velro.TeamViewer, false, false},
		{"", false, false},
	}
	for _, row := range table {
		role := velro.TeamAccess(row.role).Role
		if got := role.Can(velro.ActionManageTeam); got != row.manage {
			t.Errorf("team %q manages the team: %v, want %v", row.role, got, row.manage)
		}
		if got := role.Can(velro.ActionDeleteTeam); got != row.delete {
			t.Errorf("team %q deletes the team: %v, want %v", row.role, got, row.delete)
		}
	}
}

// TestTeamRoleOnProjects: the most a team role gives on a project shared
// with the team; the team's owner counts as admin there.
func TestTeamRoleOnProjects(t *testing.T) {
	table := map[velro.TeamRole]velro.Role{
		velro.TeamOwner: admin, velro.TeamAdmin: admin, velro.TeamEditor: editor, velro.TeamViewer: viewer, "": none, "root": none,
	}
	for teamRole, want := range table {
		if got := teamRole.ProjectRole(); got != want {
			t.Errorf("%q.ProjectRole() = %v, want %v", teamRole, got, want)
		}
	}
}

// TestCanManageMember: "Owner manages anyone; an admin manages editors and
// viewers only" (and cannot make admins); nobody creates, demotes or
// removes an owner; editors, viewers and strangers manage no one.
func TestCanManageMember(t *testing.T) {
	roles := []velro.TeamRole{"", velro.TeamOwner, velro.TeamAdmin, velro.TeamEditor, velro.TeamViewer}
	// For each actor, one row per target's current role ("": a newcomer)
	// and one column per role given ("": removal), both in the order of
	// roles. y: allowed; .: refused; -: no change to ask about.
	nobody := [5]string{"-....", ".....", ".....", ".....", "....."}
	grids := map[velro.TeamRole][5]string{
		velro.TeamOwner: {
			"-.yyy", // a newcomer: added as admin, editor, viewer
			".....", // the owner: never
			"y.yyy", // an admin
			"y.yyy", // an editor
			"y.yyy", // a viewer
		},
		velro.TeamAdmin: {
			"-..yy", // a newcomer: as editor or viewer
			".....",
			".....", // another admin: never
			"y..yy", // an editor: removed, kept, made viewer
			"y..yy",
		},
		velro.TeamEditor: nobody,
		velro.TeamViewer: nobody,
		"":               nobody,
	}
	for actor, grid := range grids {
		for i, target := range roles {
			for j, to := range roles {
				cell := grid[i][j]
				if cell == '-' {
					continue
				}
				if got := velro.CanManageMember(actor, target, to); got != (cell == 'y') {
					t.Errorf("CanManageMember(actor %q, member %q, to %q) = %v, want %v", actor, target, to, got, cell == 'y')
				}
			}
		}
	}
}
