package guard_test

import (
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/bus"
	"github.com/velro-ai/velro/guard"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/storetest"
)

// recorder is a bus that keeps every event published on it.
type recorder struct {
	bus.Local
	mu     sync.Mutex
	events []velro.Event
}

func newGuard(t *testing.T) (*guard.Store, *recorder) {
	raw := testenv.Store(t, testenv.SQLite(t), 0)
	r := &recorder{}
	r.Subscribe(func(ev velro.Event) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.events = append(r.events, ev)
	})
	return guard.New(raw, authz.New(authz.Config{Store: raw, Bus: r}), r), r
}

// announced reports whether an event named every id of the change.
func (r *recorder) announced(change velro.AccessChange) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ev := range r.events {
		if contains(ev.Projects, change.Projects) && contains(ev.Teams, change.Teams) && contains(ev.Generations, change.Generations) &&
			contains(ev.Uploads, change.Uploads) {
			return true
		}
	}
	return false
}

func contains(have, want []uuid.UUID) bool {
	for _, id := range want {
		if !slices.Contains(have, id) {
			return false
		}
	}
	return true
}

// TestEveryAccessWriteInvalidates: each write of velro.Store that reports
// an AccessChange, made through the guard, announces that change (which
// drops the cached decisions everywhere). A new such write fails this test
// until it is listed here.
func TestEveryAccessWriteInvalidates(t *testing.T) {
	type world struct {
		owner, member *velro.User
		project       *velro.Project
		team          *velro.Team
		generation    *velro.Generation
		upload        *velro.Upload
	}
	writes := map[string]func(t *testing.T, g *guard.Store, w world) (velro.AccessChange, error){
		"UpdateProject": func(t *testing.T, g *guard.Store, w world) (velro.AccessChange, error) {
			private := velro.VisibilityPrivate
			_, change, err := g.UpdateProject(t.Context(), w.project.ID, velro.ProjectUpdate{Visibility: &private}, velro.NoRule)
			return change, err
		},
		"DeleteProject": func(t *testing.T, g *guard.Store, w world) (velro.AccessChange, error) {
			return g.DeleteProject(t.Context(), w.project.ID, velro.NoRule)
		},
		"ShareProject": func(t *testing.T, g *guard.Store, w world) (velro.AccessChange, error) {
			return g.ShareProject(t.Context(), &velro.ProjectShare{ProjectID: w.project.ID, TeamID: w.team.ID, AccessLevel: velro.ShareRead}, velro.NoRule)
		},
		"UnshareProject": func(t *testing.T, g *guard.Store, w world) (velro.AccessChange, error) {
			return g.UnshareProject(t.Context(), w.project.ID, w.team.ID, velro.NoRule)
		},
		"DeleteTeam": func(t *testing.T, g *guard.Store, w world) (velro.AccessChange, error) {
			return g.DeleteTeam(t.Context(), w.team.ID, velro.NoRule)
		},
		"AddTeamMember": func(t *testing.T, g *guard.Store, w world) (velro.AccessChange, error) {
			u := storetest.NewUser(t, g, uuid.NewString()+"@example.com")
			return g.AddTeamMember(t.Context(), w.team.ID, u.ID, velro.TeamViewer, velro.NoRule)
		},
		"SetTeamMemberRole": func(t *testing.T, g *guard.Store, w world) (velro.AccessChange, error) {
			return g.SetTeamMemberRole(t.Context(), w.team.ID, w.member.ID, velro.TeamViewer, velro.NoRule)
		},
		"RemoveTeamMember": func(t *testing.T, g *guard.Store, w world) (velro.AccessChange, error) {
			return g.RemoveTeamMember(t.Context(), w.team.ID, w.member.ID, velro.NoRule)
		},
		"DeleteGeneration": func(t *testing.T, g *guard.Store, w world) (velro.AccessChange, error) {
			return g.DeleteGeneration(t.Context(), w.generation.ID, velro.NoRule)
		},
		"DeleteUpload": func(t *testing.T, g *guard.Store, w world) (velro.AccessChange, error) {
			_, change, err := g.DeleteUpload(t.Context(), w.upload.ID, velro.NoRule)
			return change, err
		},
		"DeleteUser": func(t *testing.T, g *guard.Store, w world) (velro.AccessChange, error) {
			return g.DeleteUser(t.Context(), w.member.ID, velro.NoRule)
		},
		"AcceptInvitation": func(t *testing.T, g *guard.Store, w world) (velro.AccessChange, error) {
			u := storetest.NewUser(t, g, uuid.NewString()+"@example.com")
			token := storetest.NewInvitation(t, g, w.team.ID, u.Email, velro.TeamViewer)
			_, change, err := g.AcceptInvitation(t.Context(), velro.HashToken(token), u.ID)
			return change, err
		},
	}
	changeType := reflect.TypeFor[velro.AccessChange]()
	store := reflect.TypeFor[velro.Store]()
	for i := range store.NumMethod() {
		m := store.Method(i)
		reports := false
		for j := range m.Type.NumOut() {
			reports = reports || m.Type.Out(j) == changeType
		}
		if reports && writes[m.Name] == nil {
			t.Errorf("%s reports an AccessChange but this test does not check that the guard announces it", m.Name)
		}
	}
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			g, rec := newGuard(t)
			var w world
			w.owner, w.member = storetest.NewUser(t, g, "owner@example.com"), storetest.NewUser(t, g, "member@example.com")
			w.project = storetest.NewProject(t, g, w.owner.ID, velro.VisibilityTeamOnly)
			w.team = storetest.NewTeam(t, g, w.owner.ID, map[uuid.UUID]velro.TeamRole{w.member.ID: velro.TeamEditor})
			if _, err := g.ShareProject(t.Context(), &velro.ProjectShare{ProjectID: w.project.ID, TeamID: w.team.ID, AccessLevel: velro.ShareWrite}, velro.NoRule); err != nil {
				t.Fatal(err)
			}
			w.generation = storetest.NewGeneration(t, g, w.owner.ID, &w.project.ID)
			w.upload = storetest.NewUpload(t, g, w.owner.ID, &w.project.ID, 10)
			rec.mu.Lock()
			rec.events = nil
			rec.mu.Unlock()

			change, err := write(t, g, w)
			if err != nil {
				t.Fatal(err)
			}
			if len(change.Scopes()) == 0 {
				t.Fatal("the write reported no change")
			}
			if !rec.announced(change) {
				t.Fatalf("change %+v was not announced; events: %+v", change, rec.events)
			}
		})
	}
}

// TestRowWritesRefreshCachedRows: the cached reads (an account, a
// generation) show each write made through the guard at once.
func TestRowWritesRefreshCachedRows(t *testing.T) {
	g, _ := newGuard(t)
	u := storetest.NewUser(t, g, "ann@example.com")
	balance := func() int64 {
		got, err := g.FindUserByID(t.Context(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.CreditsBalance
	}
	start := balance() // cached from here on
	if _, err := g.GrantCredits(t.Context(), u.ID, 7, "gift"); err != nil {
		t.Fatal(err)
	}
	if b := balance(); b != start+7 {
		t.Fatalf("balance after a grant %d, want %d", b, start+7)
	}
	name := "Ann"
	if _, err := g.UpdateUser(t.Context(), u.ID, velro.UserUpdate{FullName: &name}); err != nil {
		t.Fatal(err)
	}
	if got, _ := g.FindUserByID(t.Context(), u.ID); got.FullName != name {
		t.Fatalf("name after an update %q", got.FullName)
	}

	now := velro.Now()
	gen := &velro.Generation{ID: velro.NewID(), UserID: u.ID, ModelID: "local/image", Prompt: "p", Parameters: map[string]any{},
		Status: velro.StatusPending, Cost: 5, MediaType: velro.MediaImage, OutputURLs: []string{}, CreatedAt: now, UpdatedAt: now}
	if _, err := g.SubmitGeneration(t.Context(), gen, "", velro.NoRule); err != nil {
		t.Fatal(err)
	}
	if b := balance(); b != start+7-5 {
		t.Fatalf("balance after a charge %d", b)
	}
	status := func() *velro.Generation {
		got, err := g.FindGeneration(t.Context(), gen.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	status()
	steps := []struct {
		write func() error
		want  func(*velro.Generation) bool
	}{
		{func() error { _, err := g.StartGeneration(t.Context(), gen.ID); return err },
			func(g *velro.Generation) bool { return g.Status == velro.StatusProcessing }},
		{func() error { _, err := g.ToggleFavorite(t.Context(), gen.ID, velro.NoRule); return err },
			func(g *velro.Generation) bool { return g.IsFavorite }},
		{func() error { _, err := g.CancelGeneration(t.Context(), gen.ID, velro.NoRule); return err },
			func(g *velro.Generation) bool { return g.Status == velro.StatusCancelled }},
	}
	for i, step := range steps {
		if err := step.write(); err != nil {
			t.Fatal(err)
		}
		if got := status(); !step.want(got) {
			t.Fatalf("step %d: cached generation is stale: %+v", i, got)
		}
	}
	if b := balance(); b != start+7 {
		t.Fatalf("balance after the refund %d", b)
	}
}
