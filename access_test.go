package velro_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// Short names for the written tables below.
const (
	none   = velro.RoleNone
	viewer = velro.RoleViewer
	editor = velro.RoleEditor
	admin  = velro.RoleAdmin
	owner  = velro.RoleOwner
)

var (
	noAccess  = velro.Access{}
	ownership = velro.Access{Role: owner, Method: velro.MethodOwnership}
	public    = velro.Access{Role: viewer, Method: velro.MethodPublic}
)

func team(r velro.Role) velro.Access { return velro.Access{Role: r, Method: velro.MethodTeam} }

// TestSharedRole: a member of a team a project is shared with gets the
// lower of the team role and the share's level (read = viewer, write =
// editor, admin = admin; the team's owner counts as admin).
func TestSharedRole(t *testing.T) {
	//                     share: read,   write,  admin
	table := map[velro.TeamRole][3]velro.Role{
		velro.TeamOwner:  {viewer, editor, admin},
		velro.TeamAdmin:  {viewer, editor, admin},
		velro.TeamEditor: {viewer, editor, editor},
		velro.TeamViewer: {viewer, viewer, viewer},
		"":               {none, none, none},
	}
	levels := []velro.ShareLevel{velro.ShareRead, velro.ShareWrite, velro.ShareAdmin}
	for teamRole, row := range table {
		for i, level := range levels {
			if got := velro.SharedRole(teamRole, level); got != row[i] {
				t.Errorf("team role %q through a %s share: %v, want %v", teamRole, level, got, row[i])
			}
		}
	}
}

// TestProjectAccess: the owner is owner; a team-derived role counts on
// team-only and public projects, never on private ones; a public project
// makes everyone at least viewer.
func TestProjectAccess(t *testing.T) {
	const (
		private  = velro.VisibilityPrivate
		teamOnly = velro.VisibilityTeamOnly
		pub      = velro.VisibilityPublic
	)
	cases := []struct {
		owner      bool
		visibility velro.Visibility
		teamRole   velro.Role
		want       velro.Access
	}{
		{true, private, none, ownership},
		{true, teamOnly, none, ownership},
		{true, pub, none, ownership},
		{true, teamOnly, editor, ownership}, // the owner in a team it shared with
		{false, private, none, noAccess},
		{false, teamOnly, none, noAccess},
		{false, pub, none, public},
		{false, private, viewer, noAccess},
		{false, private, editor, noAccess},
		{false, private, admin, noAccess},
		{false, teamOnly, viewer, team(viewer)},
		{false, teamOnly, editor, team(editor)},
		{false, teamOnly, admin, team(admin)},
		{false, pub, viewer, team(viewer)},
		{false, pub, editor, team(editor)},
		{false, pub, admin, team(admin)},
	}
	for _, c := range cases {
		if got := velro.ProjectAccess(c.owner, c.visibility, c.teamRole); got != c.want {
			t.Errorf("ProjectAccess(owner %v, %s, team role %v) = %v/%v, want %v/%v",
				c.owner, c.visibility, c.teamRole, got.Role, got.Method, c.want.Role, c.want.Method)
		}
	}
}

// TestGenerationAccess: a generation's owner is owner; anyone else has
// their access to its project (none without one).
func TestGenerationAccess(t *testing.T) {
	cases := []struct {
		owner   bool
		project velro.Access
		want    velro.Access
	}{
		{true, noAccess, ownership},
		{true, team(viewer), ownership},
		{true, public, ownership},
		{false, noAccess, noAccess},
		{false, public, public},
		{false, team(viewer), team(viewer)},
		{false, team(editor), team(editor)},
		{false, team(admin), team(admin)},
		{false, ownership, ownership}, // the project's owner
	}
	for _, c := range cases {
		if got := velro.GenerationAccess(c.owner, c.project); got != c.want {
			t.Errorf("GenerationAccess(owner %v, project %v/%v) = %v/%v, want %v/%v",
				c.owner, c.project.Role, c.project.Method, got.Role, got.Method, c.want.Role, c.want.Method)
		}
	}
}

// TestAccessFacts: the facts read from the database, turned into access
// for each kind of resource, and the scope that invalidates the decision.
func TestAccessFacts(t *testing.T) {
	id, project := uuid.New(), uuid.New()
	cases := []struct {
		what  string
		kind  velro.Kind
		facts velro.AccessFacts
		want  velro.Access
		scope uuid.UUID
	}{
		{"missing project", velro.KindProject, velro.AccessFacts{ProjectOwner: true, ProjectID: id}, noAccess, id},
		{"own project", velro.KindProject, velro.AccessFacts{Exists: true, Owner: true, ProjectOwner: true, ProjectID: id, Visibility: velro.VisibilityPrivate}, ownership, id},
		{"shared team-only project", velro.KindProject, velro.AccessFacts{Exists: true, ProjectID: id, Visibility: velro.VisibilityTeamOnly, TeamRole: editor}, team(editor), id},
		{"shared private project", velro.KindProject, velro.AccessFacts{Exists: true, ProjectID: id, Visibility: velro.VisibilityPrivate, TeamRole: admin}, noAccess, id},
		{"another's public project", velro.KindProject, velro.AccessFacts{Exists: true, ProjectID: id, Visibility: velro.VisibilityPublic}, public, id},

		{"missing generation", velro.KindGeneration, velro.AccessFacts{Owner: true}, noAccess, id},
		{"own generation, no project", velro.KindGeneration, velro.AccessFacts{Exists: true, Owner: true}, ownership, id},
		{"another's generation, no project", velro.KindGeneration, velro.AccessFacts{Exists: true, TeamRole: admin, Visibility: velro.VisibilityPublic}, noAccess, id},
		{"own generation in another's project", velro.KindGeneration, velro.AccessFacts{Exists: true, Owner: true, ProjectID: project, Visibility: velro.VisibilityPrivate}, ownership, project},
		{"another's generation in my project", velro.KindGeneration, velro.AccessFacts{Exists: true, ProjectID: project, ProjectOwner: true, Visibility: velro.VisibilityPrivate}, ownership, project},
		{"generation in a shared project", velro.KindGeneration, velro.AccessFacts{Exists: true, ProjectID: project, Visibility: velro.VisibilityTeamOnly, TeamRole: viewer}, team(viewer), project},
		{"generation in a shared private project", velro.KindGeneration, velro.AccessFacts{Exists: true, ProjectID: project, Visibility: velro.VisibilityPrivate, TeamRole: editor}, noAccess, project},
		{"generation in a public project", velro.KindGeneration, velro.AccessFacts{Exists: true, ProjectID: project, Visibility: velro.VisibilityPublic}, public, project},

		{"own upload", velro.KindUpload, velro.AccessFacts{Exists: true, Owner: true}, ownership, id},
		{"another's upload, no project", velro.KindUpload, velro.AccessFacts{Exists: true, TeamRole: admin}, noAccess, id},
		{"upload in a shared project", velro.KindUpload, velro.AccessFacts{Exists: true, ProjectID: project, Visibility: velro.VisibilityPublic, TeamRole: editor}, team(editor), project},

		{"missing team", velro.KindTeam, velro.AccessFacts{MemberRole: velro.TeamOwner}, noAccess, id},
		{"own team", velro.KindTeam, velro.AccessFacts{Exists: true, Owner: true, MemberRole: velro.TeamOwner}, ownership, id},
		{"team admin", velro.KindTeam, velro.AccessFacts{Exists: true, MemberRole: velro.TeamAdmin}, team(admin), id},
		{"team viewer", velro.KindTeam, velro.AccessFacts{Exists: true, MemberRole: velro.TeamViewer}, team(viewer), id},
		{"not a member", velro.KindTeam, velro.AccessFacts{Exists: true}, noAccess, id},
	}
	for _, c := range cases {
		if got := c.facts.Access(c.kind); got != c.want {
			t.Errorf("%s: %v/%v, want %v/%v", c.what, got.Role, got.Method, c.want.Role, c.want.Method)
		}
		if got := c.facts.Scope(c.kind, id); got != c.scope {
			t.Errorf("%s: scope %s, want %s", c.what, got, c.scope)
		}
	}
}
