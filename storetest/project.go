package storetest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// NewProject creates a project of owner with the given visibility.
func NewProject(t testing.TB, s velro.Store, owner uuid.UUID, visibility velro.Visibility) *velro.Project {
	t.Helper()
	p := &velro.Project{ID: velro.NewID(), UserID: owner, Name: "Project " + string(visibility), Visibility: visibility}
	must(t, p.Validate())
	must(t, errOf(s.CreateProject(ctx(t), p)))
	return p
}

// NewTeam creates a team of owner with the given members and roles.
func NewTeam(t testing.TB, s velro.Store, owner uuid.UUID, members map[uuid.UUID]velro.TeamRole) *velro.Team {
	t.Helper()
	team := &velro.Team{ID: velro.NewID(), Name: "Team", OwnerID: owner}
	must(t, errOf(s.CreateTeam(ctx(t), team)))
	for id, role := range members {
		_, err := s.AddTeamMember(ctx(t), team.ID, id, role, velro.NoRule)
		must(t, err)
	}
	return team
}

func listIDs(t testing.TB, s velro.Store, user uuid.UUID, visibility velro.Visibility) map[uuid.UUID]bool {
	t.Helper()
	list, total, err := s.ListReadableProjects(ctx(t), user, velro.ProjectFilter{Visibility: visibility, Page: velro.Page{Limit: 100}})
	must(t, err)
	if total != len(list) {
		t.Fatalf("total %d for %d projects", total, len(list))
	}
	ids := map[uuid.UUID]bool{}
	for _, p := range list {
		ids[p.ID] = true
	}
	return ids
}

func testProjects(t *testing.T, open Opener) {
	s := open(t, 0)
	owner, member, stranger := NewUser(t, s, "owner@example.com"), NewUser(t, s, "member@example.com"), NewUser(t, s, "stranger@example.com")

	p := &velro.Project{ID: velro.NewID(), UserID: owner.ID, Name: "  Moodboard  ", Description: "d", Visibility: velro.VisibilityPrivate,
		Tags: []string{"a", "b"}, Metadata: map[string]any{"k": "v", "n": 1.5}}
	must(t, p.Validate())
	must(t, errOf(s.CreateProject(ctx(t), p)))
	got, err := s.FindProject(ctx(t), p.ID)
	must(t, err)
	if got.Name != "Moodboard" || got.UserID != owner.ID || len(got.Tags) != 2 || got.Metadata["n"] != 1.5 ||
		got.GenerationCount != 0 || !got.CreatedAt.Equal(p.CreatedAt) {
		t.Fatalf("found project %+v", got)
	}
	_, err = s.FindProject(ctx(t), uuid.New())
	wantCode(t, err, velro.ENOTFOUND)

	// Partial update.
	name, vis := "Renamed", velro.VisibilityTeamOnly
	upd, eff, err := s.UpdateProject(ctx(t), p.ID, velro.ProjectUpdate{Name: &name, Visibility: &vis}, velro.NoRule)
	must(t, err)
	if upd.Name != "Renamed" || upd.Visibility != vis || upd.Description != "d" || len(upd.Tags) != 2 || len(eff.Access.Projects) != 1 {
		t.Fatalf("updated %+v, change %+v", upd, eff)
	}
	tags := []string{}
	upd, eff, err = s.UpdateProject(ctx(t), p.ID, velro.ProjectUpdate{Tags: &tags, Metadata: map[string]any{}}, velro.NoRule)
	must(t, err)
	if len(upd.Tags) != 0 || len(upd.Metadata) != 0 || len(eff.Access.Projects) != 0 {
		t.Fatalf("updated %+v, change %+v", upd, eff)
	}
	_, _, err = s.UpdateProject(ctx(t), uuid.New(), velro.ProjectUpdate{Name: &name}, velro.NoRule)
	wantCode(t, err, velro.ENOTFOUND)

	// Readability: own, public, shared through a team unless private.
	public := NewProject(t, s, stranger.ID, velro.VisibilityPublic)
	strangersPrivate := NewProject(t, s, stranger.ID, velro.VisibilityPrivate)
	team := NewTeam(t, s, owner.ID, map[uuid.UUID]velro.TeamRole{member.ID: velro.TeamViewer})
	_, err = s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: p.ID, TeamID: team.ID, AccessLevel: velro.ShareRead}, velro.NoRule)
	must(t, err)

	if ids := listIDs(t, s, member.ID, ""); !ids[p.ID] || !ids[public.ID] || ids[strangersPrivate.ID] || len(ids) != 2 {
		t.Fatalf("member reads %v", ids)
	}
	if ids := listIDs(t, s, member.ID, velro.VisibilityPublic); !ids[public.ID] || len(ids) != 1 {
		t.Fatalf("member reads public %v", ids)
	}
	if ids := listIDs(t, s, stranger.ID, ""); !ids[public.ID] || !ids[strangersPrivate.ID] || ids[p.ID] {
		t.Fatalf("stranger reads %v", ids)
	}
	priv := velro.VisibilityPrivate
	_, eff, err = s.UpdateProject(ctx(t), p.ID, velro.ProjectUpdate{Visibility: &priv}, velro.NoRule)
	must(t, err)
	if ids := listIDs(t, s, member.ID, ""); ids[p.ID] {
		t.Fatal("a private project is still listed through its share")
	}

	// Newest first, paginated.
	list, total, err := s.ListReadableProjects(ctx(t), stranger.ID, velro.ProjectFilter{Page: velro.Page{Limit: 1, Offset: 0}})
	must(t, err)
	if total != 2 || len(list) != 1 || list[0].ID != strangersPrivate.ID {
		t.Fatalf("page 1 = %d of %d", len(list), total)
	}

	// Generation count, and generations surviving their project.
	g := NewGeneration(t, s, member.ID, &p.ID)
	got, _ = s.FindProject(ctx(t), p.ID)
	if got.GenerationCount != 1 {
		t.Fatalf("generation_count = %d", got.GenerationCount)
	}
	eff, err = s.DeleteProject(ctx(t), p.ID, velro.NoRule)
	must(t, err)
	if len(eff.Access.Projects) != 1 || eff.Access.Projects[0] != p.ID {
		t.Fatalf("delete change %+v", eff)
	}
	_, err = s.FindProject(ctx(t), p.ID)
	wantCode(t, err, velro.ENOTFOUND)
	_, err = s.DeleteProject(ctx(t), p.ID, velro.NoRule)
	wantCode(t, err, velro.ENOTFOUND)
	orphan, err := s.FindGeneration(ctx(t), g.ID)
	must(t, err)
	if orphan.ProjectID != nil {
		t.Fatalf("generation still in the deleted project: %v", orphan.ProjectID)
	}
}

func testShares(t *testing.T, open Opener) {
	s := open(t, 0)
	owner := NewUser(t, s, "owner@example.com")
	p := NewProject(t, s, owner.ID, velro.VisibilityTeamOnly)
	team := NewTeam(t, s, owner.ID, nil)
	share := &velro.ProjectShare{ProjectID: p.ID, TeamID: team.ID, AccessLevel: velro.ShareRead}
	_, err := s.ShareProject(ctx(t), share, velro.NoRule)
	must(t, err)
	share.AccessLevel = velro.ShareWrite // upsert
	_, err = s.ShareProject(ctx(t), share, velro.NoRule)
	must(t, err)
	_, err = s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: uuid.New(), TeamID: team.ID, AccessLevel: velro.ShareRead}, velro.NoRule)
	wantCode(t, err, velro.ENOTFOUND)
	_, err = s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: p.ID, TeamID: uuid.New(), AccessLevel: velro.ShareRead}, velro.NoRule)
	wantCode(t, err, velro.ENOTFOUND)
	other := NewTeam(t, s, owner.ID, nil)
	_, err = s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: p.ID, TeamID: other.ID, AccessLevel: velro.ShareAdmin}, velro.NoRule)
	must(t, err)
	shares, err := s.ListProjectShares(ctx(t), p.ID)
	must(t, err)
	if len(shares) != 2 || shares[0].TeamID != team.ID || shares[0].AccessLevel != velro.ShareWrite || shares[0].TeamName != team.Name ||
		shares[1].TeamID != other.ID || shares[1].AccessLevel != velro.ShareAdmin || shares[0].CreatedAt.IsZero() {
		t.Fatalf("shares %+v %+v", shares[0], shares[len(shares)-1])
	}
	if none, err := s.ListProjectShares(ctx(t), uuid.New()); err != nil || len(none) != 0 {
		t.Fatalf("shares of an absent project: %v %v", none, err)
	}
	eff, err := s.UnshareProject(ctx(t), p.ID, team.ID, velro.NoRule)
	must(t, err)
	if len(eff.Access.Projects) != 1 {
		t.Fatalf("unshare change %+v", eff)
	}
	_, err = s.UnshareProject(ctx(t), p.ID, team.ID, velro.NoRule)
	wantCode(t, err, velro.ENOTFOUND)
}
