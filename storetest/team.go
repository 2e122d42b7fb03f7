package storetest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

func testTeams(t *testing.T, open Opener) {
	s := open(t, 0)
	owner, ann, bob := NewUser(t, s, "owner@example.com"), NewUser(t, s, "ann@example.com"), NewUser(t, s, "bob@example.com")

	team := &velro.Team{ID: velro.NewID(), Name: "Studio", Description: "d", OwnerID: owner.ID}
	must(t, errOf(s.CreateTeam(ctx(t), team)))
	if len(team.Members) != 1 || team.Members[0].UserID != owner.ID || team.Members[0].Role != velro.TeamOwner ||
		team.Members[0].Email != "owner@example.com" {
		t.Fatalf("new team members %+v", team.Members)
	}
	p := NewProject(t, s, owner.ID, velro.VisibilityTeamOnly)
	_, err := s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: p.ID, TeamID: team.ID, AccessLevel: velro.ShareAdmin}, velro.NoRule)
	must(t, err)

	eff, err := s.AddTeamMember(ctx(t), team.ID, ann.ID, velro.TeamEditor, velro.NoRule)
	must(t, err)
	if len(eff.Access.Projects) != 1 || eff.Access.Projects[0] != p.ID || len(eff.Access.Teams) != 1 {
		t.Fatalf("add member change %+v", eff)
	}
	_, err = s.AddTeamMember(ctx(t), team.ID, ann.ID, velro.TeamViewer, velro.NoRule)
	wantCode(t, err, velro.ECONFLICT)
	_, err = s.AddTeamMember(ctx(t), uuid.New(), ann.ID, velro.TeamViewer, velro.NoRule)
	wantCode(t, err, velro.ENOTFOUND)
	_, err = s.AddTeamMember(ctx(t), team.ID, bob.ID, velro.TeamViewer, velro.NoRule)
	must(t, err)

	got, err := s.FindTeam(ctx(t), team.ID)
	must(t, err)
	if len(got.Members) != 3 || got.Members[0].Role != velro.TeamOwner || got.Role(ann.ID) != velro.TeamEditor || got.Role(uuid.New()) != "" {
		t.Fatalf("members %+v", got.Members)
	}
	_, err = s.SetTeamMemberRole(ctx(t), team.ID, ann.ID, velro.TeamAdmin, velro.NoRule)
	must(t, err)
	_, err = s.SetTeamMemberRole(ctx(t), team.ID, uuid.New(), velro.TeamAdmin, velro.NoRule)
	wantCode(t, err, velro.ENOTFOUND)
	_, err = s.RemoveTeamMember(ctx(t), team.ID, bob.ID, velro.NoRule)
	must(t, err)
	_, err = s.RemoveTeamMember(ctx(t), team.ID, bob.ID, velro.NoRule)
	wantCode(t, err, velro.ENOTFOUND)

	name := "Renamed"
	upd, _, err := s.UpdateTeam(ctx(t), team.ID, velro.TeamUpdate{Name: &name}, velro.NoRule)
	must(t, err)
	if upd.Name != name || upd.Description != "d" || len(upd.Members) != 2 {
		t.Fatalf("updated team %+v", upd)
	}
	_, _, err = s.UpdateTeam(ctx(t), uuid.New(), velro.TeamUpdate{Name: &name}, velro.NoRule)
	wantCode(t, err, velro.ENOTFOUND)

	other := &velro.Team{ID: velro.NewID(), Name: "Other", OwnerID: ann.ID}
	must(t, errOf(s.CreateTeam(ctx(t), other)))
	teams, total, err := s.ListTeams(ctx(t), ann.ID, velro.Page{Limit: 10})
	must(t, err)
	if total != 2 || len(teams) != 2 || teams[0].ID != other.ID || len(teams[1].Members) != 2 {
		t.Fatalf("ann's teams %+v (total %d)", teams, total)
	}
	// A page holds its own teams with their members, and no other team's.
	teams, total, err = s.ListTeams(ctx(t), ann.ID, velro.Page{Limit: 1, Offset: 1})
	must(t, err)
	if total != 2 || len(teams) != 1 || teams[0].ID != team.ID || len(teams[0].Members) != 2 {
		t.Fatalf("ann's second page %+v (total %d)", teams, total)
	}
	if teams, total, _ := s.ListTeams(ctx(t), bob.ID, velro.Page{Limit: 10}); len(teams) != 0 || total != 0 {
		t.Fatalf("bob's teams %+v (total %d)", teams, total)
	}

	eff, err = s.DeleteTeam(ctx(t), team.ID, velro.NoRule)
	must(t, err)
	if len(eff.Access.Projects) != 1 || eff.Access.Projects[0] != p.ID {
		t.Fatalf("delete team change %+v", eff)
	}
	_, err = s.FindTeam(ctx(t), team.ID)
	wantCode(t, err, velro.ENOTFOUND)
	_, err = s.DeleteTeam(ctx(t), team.ID, velro.NoRule)
	wantCode(t, err, velro.ENOTFOUND)
}
