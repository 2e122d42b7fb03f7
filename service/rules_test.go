package service

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// fakeAuthorizer answers Access from a written map: what the engine would
// say, without one.
type fakeAuthorizer map[fakeKey]velro.Access

type fakeKey struct {
	user uuid.UUID
	kind velro.Kind
	id   uuid.UUID
}

func (f fakeAuthorizer) Access(_ context.Context, user uuid.UUID, kind velro.Kind, id uuid.UUID) (velro.Access, error) {
	return f[fakeKey{user, kind, id}], nil
}

// Members of a team as the engine reports them: the owner's access is
// owner, each other member's the role of the same name; an outsider has
// none.
var teamMemberAccess = map[string]velro.Access{
	"owner":    {Role: velro.RoleOwner, Method: velro.MethodOwnership},
	"admin":    {Role: velro.RoleAdmin, Method: velro.MethodTeam},
	"editor":   {Role: velro.RoleEditor, Method: velro.MethodTeam},
	"viewer":   {Role: velro.RoleViewer, Method: velro.MethodTeam},
	"outsider": {},
}

// Effective roles on a project or upload (the permission table's columns,
// plus none).
var resourceAccess = map[string]velro.Access{
	"owner":  {Role: velro.RoleOwner, Method: velro.MethodOwnership},
	"admin":  {Role: velro.RoleAdmin, Method: velro.MethodTeam},
	"editor": {Role: velro.RoleEditor, Method: velro.MethodTeam},
	"viewer": {Role: velro.RoleViewer, Method: velro.MethodPublic},
	"none":   {},
}

// code is the error code a rule answered, "ok" when it allowed.
func code(err error) string {
	if err == nil {
		return "ok"
	}
	return velro.ErrorCode(err)
}

const (
	ok  = "ok"
	nf  = velro.ENOTFOUND
	fb  = velro.EFORBIDDEN
	cfl = velro.ECONFLICT
)

// TestTeamRules: the team rules (docs/guide.md's teams, written out:
// the owner manages anyone, an admin manages editors and viewers only,
// nobody makes or removes an owner, members may leave but the owner,
// outsiders see no team) against a fake authorizer.
func TestTeamRules(t *testing.T) {
	actors := []string{"owner", "admin", "editor", "viewer", "outsider"}
	// want[actor] per rule, in the order of actors.
	simple := []struct {
		name string
		rule func(actor, team uuid.UUID) velro.Check
		want []string
	}{
		{"view", mayViewTeam, []string{ok, ok, ok, ok, nf}},
		{"update", mayUpdateTeam, []string{ok, ok, fb, fb, nf}},
		{"delete", mayDeleteTeam, []string{ok, fb, fb, fb, nf}},
		{"list invitations", mayListInvitations, []string{ok, ok, fb, fb, nf}},
	}
	team := uuid.New()
	for _, c := range simple {
		for i, actorRole := range actors {
			actor := uuid.New()
			a := fakeAuthorizer{{actor, velro.KindTeam, team}: teamMemberAccess[actorRole]}
			if got := code(c.rule(actor, team)(t.Context(), a)); got != c.want[i] {
				t.Errorf("%s by %s: %s, want %s", c.name, actorRole, got, c.want[i])
			}
		}
	}

	// Adding (and inviting, and revoking an invitation to) a role.
	add := map[string]map[velro.TeamRole]string{
		"owner":    {velro.TeamOwner: fb, velro.TeamAdmin: ok, velro.TeamEditor: ok, velro.TeamViewer: ok},
		"admin":    {velro.TeamOwner: fb, velro.TeamAdmin: fb, velro.TeamEditor: ok, velro.TeamViewer: ok},
		"editor":   {velro.TeamOwner: fb, velro.TeamAdmin: fb, velro.TeamEditor: fb, velro.TeamViewer: fb},
		"viewer":   {velro.TeamOwner: fb, velro.TeamAdmin: fb, velro.TeamEditor: fb, velro.TeamViewer: fb},
		"outsider": {velro.TeamOwner: nf, velro.TeamAdmin: nf, velro.TeamEditor: nf, velro.TeamViewer: nf},
	}
	for actorRole, byRole := range add {
		for role, want := range byRole {
			actor := uuid.New()
			a := fakeAuthorizer{{actor, velro.KindTeam, team}: teamMemberAccess[actorRole]}
			for name, rule := range map[string]velro.Check{"add": mayAddMember(actor, team, role), "revoke invitation": mayRevokeInvitation(actor, team, role)} {
				if got := code(rule(t.Context(), a)); got != want {
					t.Errorf("%s %s by %s: %s, want %s", name, role, actorRole, got, want)
				}
			}
		}
	}

	// Changing a member's role: actor x member's current role x new role.
	// An outsider target is not a member (404).
	type change struct{ actor, member, to, want string }
	changes := []change{
		{"owner", "admin", "editor", ok}, {"owner", "editor", "admin", ok}, {"owner", "viewer", "editor", ok},
		{"owner", "admin", "owner", fb}, {"owner", "owner", "admin", fb},
		{"admin", "editor", "viewer", ok}, {"admin", "viewer", "editor", ok},
		{"admin", "editor", "admin", fb}, {"admin", "admin", "editor", fb}, {"admin", "owner", "viewer", fb},
		{"editor", "viewer", "editor", fb}, {"viewer", "editor", "viewer", fb},
		{"outsider", "editor", "viewer", nf}, {"owner", "outsider", "editor", nf},
	}
	for _, c := range changes {
		actor, member := uuid.New(), uuid.New()
		a := fakeAuthorizer{{actor, velro.KindTeam, team}: teamMemberAccess[c.actor], {member, velro.KindTeam, team}: teamMemberAccess[c.member]}
		if got := code(mayChangeRole(actor, team, member, velro.TeamRole(c.to))(t.Context(), a)); got != c.want {
			t.Errorf("%s changes %s to %s: %s, want %s", c.actor, c.member, c.to, got, c.want)
		}
	}

	// Removing a member, and leaving (member == actor).
	removals := []change{
		{"owner", "admin", "", ok}, {"owner", "editor", "", ok}, {"owner", "viewer", "", ok},
		{"admin", "editor", "", ok}, {"admin", "viewer", "", ok}, {"admin", "admin", "", fb}, {"admin", "owner", "", fb},
		{"editor", "viewer", "", fb}, {"viewer", "editor", "", fb}, {"outsider", "viewer", "", nf}, {"owner", "outsider", "", nf},
	}
	for _, c := range removals {
		actor, member := uuid.New(), uuid.New()
		a := fakeAuthorizer{{actor, velro.KindTeam, team}: teamMemberAccess[c.actor], {member, velro.KindTeam, team}: teamMemberAccess[c.member]}
		if got := code(mayRemoveMember(actor, team, member)(t.Context(), a)); got != c.want {
			t.Errorf("%s removes %s: %s, want %s", c.actor, c.member, got, c.want)
		}
	}
	leave := map[string]string{"owner": cfl, "admin": ok, "editor": ok, "viewer": ok, "outsider": nf}
	for actorRole, want := range leave {
		actor := uuid.New()
		a := fakeAuthorizer{{actor, velro.KindTeam, team}: teamMemberAccess[actorRole]}
		if got := code(mayRemoveMember(actor, team, actor)(t.Context(), a)); got != want {
			t.Errorf("%s leaves: %s, want %s", actorRole, got, want)
		}
	}
}

// TestProjectAndUploadRules: the permission table (view; edit; share and
// visibility; delete the project) and the upload rules, per effective
// role, against a fake authorizer. Those who may not see a resource get
// 404, those who see it but may not act 403.
func TestProjectAndUploadRules(t *testing.T) {
	roles := []string{"owner", "admin", "editor", "viewer", "none"}
	private := velro.VisibilityPrivate
	rules := []struct {
		name string
		kind velro.Kind
		rule func(actor, id uuid.UUID) velro.Check
		want []string // per role, in the order of roles
	}{
		{"view project", velro.KindProject, mayViewProject, []string{ok, ok, ok, ok, nf}},
		{"rename project", velro.KindProject, func(a, id uuid.UUID) velro.Check {
			name := "n"
			return mayUpdateProject(a, id, velro.ProjectUpdate{Name: &name})
		}, []string{ok, ok, ok, fb, nf}},
		{"change visibility", velro.KindProject, func(a, id uuid.UUID) velro.Check {
			return mayUpdateProject(a, id, velro.ProjectUpdate{Visibility: &private})
		}, []string{ok, ok, fb, fb, nf}},
		{"unshare", velro.KindProject, mayUnshare, []string{ok, ok, fb, fb, nf}},
		{"delete project", velro.KindProject, mayDeleteProject, []string{ok, fb, fb, fb, nf}},
		{"upload into project", velro.KindProject, func(a, id uuid.UUID) velro.Check { return mayUpload(a, &id) }, []string{ok, ok, ok, fb, nf}},
		{"read upload", velro.KindUpload, mayReadUpload, []string{ok, ok, ok, ok, nf}},
		{"delete upload", velro.KindUpload, mayDeleteUpload, []string{ok, fb, fb, fb, nf}},
	}
	for _, c := range rules {
		for i, role := range roles {
			actor, id := uuid.New(), uuid.New()
			a := fakeAuthorizer{{actor, c.kind, id}: resourceAccess[role]}
			if got := code(c.rule(actor, id)(t.Context(), a)); got != c.want[i] {
				t.Errorf("%s as %s: %s, want %s", c.name, role, got, c.want[i])
			}
		}
	}
	// An upload of one's own needs no rule.
	if err := mayUpload(uuid.New(), nil)(t.Context(), fakeAuthorizer{}); err != nil {
		t.Errorf("uploading for oneself: %v", err)
	}
}

// TestShareRule: sharing takes the share permission on the project and
// membership of the team (a team one is not in does not exist for one).
func TestShareRule(t *testing.T) {
	cases := []struct {
		project, team, want string
	}{
		{"owner", "viewer", ok}, {"admin", "owner", ok}, {"owner", "outsider", nf},
		{"editor", "owner", fb}, {"viewer", "admin", fb}, {"none", "owner", nf},
	}
	for _, c := range cases {
		actor, project, team := uuid.New(), uuid.New(), uuid.New()
		a := fakeAuthorizer{{actor, velro.KindProject, project}: resourceAccess[c.project], {actor, velro.KindTeam, team}: teamMemberAccess[c.team]}
		if got := code(mayShare(actor, project, team)(t.Context(), a)); got != c.want {
			t.Errorf("%s of the project, %s of the team, shares: %s, want %s", c.project, c.team, got, c.want)
		}
	}
}

// TestDeleteAccountRule: only the account's owner deletes it.
func TestDeleteAccountRule(t *testing.T) {
	me, other := uuid.New(), uuid.New()
	for _, c := range []struct {
		actor, account uuid.UUID
		want           string
	}{{me, me, ok}, {other, me, fb}} {
		if got := code(mayDeleteAccount(c.actor, c.account)(t.Context(), fakeAuthorizer{})); got != c.want {
			t.Errorf("%v deletes %v: %s, want %s", c.actor, c.account, got, c.want)
		}
	}
}
