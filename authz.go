package velro

// Role is a caller's effective role on a project, generation or team, in
// increasing order of power. The zero value is no role at all.
type Role uint8

const (
	RoleNone Role = iota
	RoleViewer
	RoleEditor
	RoleAdmin
	RoleOwner
)

var roleNames = [...]string{"none", "viewer", "editor", "admin", "owner"}

func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return "none"
}

// Action is something a caller wants to do to a resource.
type Action uint8

const (
	ActionView Action = iota + 1
	ActionDownload
	ActionEdit             // update a project, add generations to it, favorite
	ActionDeleteGeneration // delete a generation
	ActionShare            // share, change visibility, manage project teams
	ActionDeleteProject
	// Team actions.
	ActionManageTeam // update the team, manage members
	ActionDeleteTeam
)

// minimumRole is the permission table (docs/guide.md): the least role that may act.
var minimumRole = map[Action]Role{
	ActionView:             RoleViewer,
	ActionDownload:         RoleViewer,
	ActionEdit:             RoleEditor,
	ActionDeleteGeneration: RoleEditor,
	ActionShare:            RoleAdmin,
	ActionDeleteProject:    RoleOwner,
	ActionManageTeam:       RoleAdmin,
	ActionDeleteTeam:       RoleOwner,
}

// Can reports whether role r permits action a.
func (r Role) Can(a Action) bool {
	least, ok := minimumRole[a]
	return ok && r != RoleNone && r >= least
}

// GenerationActions are the actions of GET /generations/{id}/authorize, by
// their API names, in the order permissions are listed.
var GenerationActions = []struct {
	Name   string
	Action Action
}{
	{"view", ActionView},
	{"download", ActionDownload},
	{"edit", ActionEdit},
	{"delete", ActionDeleteGeneration},
	{"share", ActionShare},
}

// Method says where an access comes from.
type Method uint8

const (
	MethodNone Method = iota
	MethodOwnership
	MethodTeam
	MethodPublic
)

var methodNames = [...]string{"none", "direct_ownership", "team_membership", "public_access"}

func (m Method) String() string {
	if int(m) < len(methodNames) {
		return methodNames[m]
	}
	return "none"
}

// Access is an effective role and where it comes from.
type Access struct {
	Role   Role
	Method Method
}

// ProjectAccess is the effective access to a project (docs/guide.md):
// the owner is owner; a member of a team the project is shared with gets
// the lower of the member's team role and the share's level (the best over
// all such teams); a public project makes everyone at least viewer; private
// projects ignore shares. teamRole is the best such team-derived role.
func ProjectAccess(isOwner bool, visibility Visibility, teamRole Role) Access {
	if isOwner {
		return Access{RoleOwner, MethodOwnership}
	}
	best := Access{}
	if visibility != VisibilityPrivate && teamRole != RoleNone {
		best = Access{teamRole, MethodTeam}
	}
	if visibility == VisibilityPublic && best.Role < RoleViewer {
		best = Access{RoleViewer, MethodPublic}
	}
	return best
}

// SharedRole is the role one membership grants through one share.
func SharedRole(teamRole TeamRole, shareLevel ShareLevel) Role {
	return min(teamRole.ProjectRole(), shareLevel.Role())
}

// GenerationAccess is the access to a generation: its owner is owner,
// everyone else has their access to its project (none without a project).
func GenerationAccess(isOwner bool, project Access) Access {
	if isOwner {
		return Access{RoleOwner, MethodOwnership}
	}
	return project
}

// TeamAccess is a team member's role on the team itself.
func TeamAccess(teamRole TeamRole) Access {
	switch teamRole {
	case TeamOwner:
		return Access{RoleOwner, MethodOwnership}
	case "":
		return Access{}
	}
	return Access{teamRole.ProjectRole(), MethodTeam}
}

// CanManageMember reports whether a member with role actor may give a
// member currently at target the role to (to == "" removes them). The owner
// manages anyone; an admin manages editors and viewers only and cannot make
// admins; nobody demotes, removes or creates an owner. New members have
// target "".
func CanManageMember(actor, target, to TeamRole) bool {
	if target == TeamOwner || to == TeamOwner {
		return false
	}
	switch actor {
	case TeamOwner:
		return true
	case TeamAdmin:
		lesser := func(r TeamRole) bool { return r == "" || r == TeamEditor || r == TeamViewer }
		return lesser(target) && lesser(to) && !(target == "" && to == "")
	}
	return false
}
