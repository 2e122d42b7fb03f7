package storetest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// testProjectPages: the projects a user may read, reached in several ways
// at once (own, public, through teams, some both public and shared), page
// by page: each listed once, newest first, the same total on every page,
// and the visibility filter applied to every way.
func testProjectPages(t *testing.T, open Opener) {
	s := open(t, 0)
	reader, other := NewUser(t, s, "reader@example.com"), NewUser(t, s, "other@example.com")
	team := NewTeam(t, s, other.ID, map[uuid.UUID]velro.TeamRole{reader.ID: velro.TeamViewer})
	want := map[uuid.UUID]velro.Visibility{}
	add := func(owner uuid.UUID, v velro.Visibility, shared, readable bool) {
		p := NewProject(t, s, owner, v)
		if shared {
			_, err := s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: p.ID, TeamID: team.ID, AccessLevel: velro.ShareRead}, velro.NoRule)
			must(t, err)
		}
		if readable {
			want[p.ID] = v
		}
	}
	for range 3 {
		add(reader.ID, velro.VisibilityPrivate, false, true)
		add(reader.ID, velro.VisibilityPublic, false, true)
		add(other.ID, velro.VisibilityPublic, false, true)
		add(other.ID, velro.VisibilityPublic, true, true) // public and shared: listed once
		add(other.ID, velro.VisibilityTeamOnly, true, true)
		add(other.ID, velro.VisibilityTeamOnly, false, false)
		add(other.ID, velro.VisibilityPrivate, true, false) // shared but private
	}
	for _, v := range []velro.Visibility{"", velro.VisibilityPrivate, velro.VisibilityTeamOnly, velro.VisibilityPublic} {
		expected := 0
		for _, pv := range want {
			if v == "" || pv == v {
				expected++
			}
		}
		var seen []*velro.Project
		for offset := 0; offset <= expected; offset += 4 {
			page, total, err := s.ListReadableProjects(ctx(t), reader.ID, velro.ProjectFilter{Visibility: v, Page: velro.Page{Limit: 4, Offset: offset}})
			must(t, err)
			if total != expected || len(page) != min(4, expected-offset) {
				t.Fatalf("visibility %q, offset %d: %d projects of %d, want %d of %d", v, offset, len(page), total, min(4, expected-offset), expected)
			}
			seen = append(seen, page...)
		}
		for i, p := range seen {
			if pv, ok := want[p.ID]; !ok || (v != "" && pv != v) {
				t.Fatalf("visibility %q lists %s (%s), not readable", v, p.ID, p.Visibility)
			}
			if i > 0 && (seen[i-1].ID == p.ID || seen[i-1].CreatedAt.Before(p.CreatedAt) ||
				seen[i-1].CreatedAt.Equal(p.CreatedAt) && seen[i-1].ID.String() < p.ID.String()) {
				t.Fatalf("visibility %q: %s listed after %s, not newest first", v, p.ID, seen[i-1].ID)
			}
		}
	}
}
