package storetest

import (
	"cmp"
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

func pending(user uuid.UUID, project *uuid.UUID, cost int64) *velro.Generation {
	now := velro.Now()
	return &velro.Generation{ID: velro.NewID(), UserID: user, ProjectID: project, ModelID: "local/image", Prompt: "p",
		Parameters: map[string]any{}, Status: velro.StatusPending, Cost: cost, MediaType: "image", OutputURLs: []string{},
		CreatedAt: now, UpdatedAt: now}
}

func balance(t testing.TB, s velro.Store, u uuid.UUID) int64 {
	t.Helper()
	got, err := s.FindUserByID(ctx(t), u)
	must(t, err)
	assertLedgerMatchesBalance(t, s, got)
	return got.CreditsBalance
}

// entries counts the user's ledger entries of a kind for a generation.
func entries(t testing.TB, s velro.Store, u, gen uuid.UUID, kind velro.TransactionType) int {
	t.Helper()
	list, _, err := s.ListCreditTransactions(ctx(t), u, velro.Page{Limit: 100})
	must(t, err)
	n := 0
	for _, e := range list {
		if e.Type == kind && e.GenerationID != nil && *e.GenerationID == gen {
			n++
		}
	}
	return n
}

func testSubmit(t *testing.T, open Opener) {
	s := open(t, 0)
	u := NewUser(t, s, "submit@example.com")
	for range 3 {
		g := pending(u.ID, nil, 300)
		existing, _, err := s.SubmitGeneration(ctx(t), g, "", velro.NoRule)
		must(t, err)
		if existing != nil || entries(t, s, u.ID, g.ID, velro.CreditUsage) != 1 {
			t.Fatal("a submit was not charged once")
		}
	}
	if b := balance(t, s, u.ID); b != 100 {
		t.Fatalf("balance %d after three 300-credit submits", b)
	}
	short := pending(u.ID, nil, 300)
	_, _, err := s.SubmitGeneration(ctx(t), short, "", velro.NoRule)
	wantCode(t, err, velro.EPAYMENT)
	_, err = s.FindGeneration(ctx(t), short.ID)
	wantCode(t, err, velro.ENOTFOUND)
	if b := balance(t, s, u.ID); b != 100 {
		t.Fatalf("a refused submit moved the balance to %d", b)
	}

	// Idempotency: the same key returns the first generation, charged once;
	// with another request it is refused.
	first := withHash(pending(u.ID, nil, 10), "request-a")
	_, _, err = s.SubmitGeneration(ctx(t), first, "key-1", velro.NoRule)
	must(t, err)
	again, _, err := s.SubmitGeneration(ctx(t), withHash(pending(u.ID, nil, 10), "request-a"), "key-1", velro.NoRule)
	must(t, err)
	if again == nil || again.ID != first.ID || balance(t, s, u.ID) != 90 {
		t.Fatalf("idempotent retry returned %v", again)
	}
	_, _, err = s.SubmitGeneration(ctx(t), withHash(pending(u.ID, nil, 10), "request-b"), "key-1", velro.NoRule)
	wantCode(t, err, velro.EIDEMPOTENCY)
	if b := balance(t, s, u.ID); b != 90 {
		t.Fatalf("a reused key moved the balance to %d", b)
	}
	other := NewUser(t, s, "other@example.com")
	if mine, _, err := s.SubmitGeneration(ctx(t), pending(other.ID, nil, 10), "key-1", velro.NoRule); err != nil || mine != nil {
		t.Fatalf("another user's key clashed: %v %v", mine, err)
	}

	// The rule (edit permission on the project) is checked in the charging
	// transaction.
	owner := NewUser(t, s, "owner@example.com")
	p := NewProject(t, s, owner.ID, velro.VisibilityTeamOnly)
	team := NewTeam(t, s, owner.ID, map[uuid.UUID]velro.TeamRole{u.ID: velro.TeamViewer})
	_, err = s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: p.ID, TeamID: team.ID, AccessLevel: velro.ShareAdmin}, velro.NoRule)
	must(t, err)
	mayAdd := func(user uuid.UUID) velro.Check {
		return velro.Allowed(user, velro.ActionEdit, velro.KindProject, p.ID)
	}
	_, _, err = s.SubmitGeneration(ctx(t), pending(u.ID, &p.ID, 10), "", mayAdd(u.ID))
	wantCode(t, err, velro.EFORBIDDEN)
	_, _, err = s.SubmitGeneration(ctx(t), pending(other.ID, &p.ID, 10), "", mayAdd(other.ID))
	wantCode(t, err, velro.ENOTFOUND)
	_, err = s.SetTeamMemberRole(ctx(t), team.ID, u.ID, velro.TeamEditor, velro.NoRule)
	must(t, err)
	_, _, err = s.SubmitGeneration(ctx(t), pending(u.ID, &p.ID, 10), "", mayAdd(u.ID))
	must(t, err)
	if b := balance(t, s, u.ID); b != 80 {
		t.Fatalf("balance %d", b)
	}
}

func withHash(g *velro.Generation, hash string) *velro.Generation {
	g.RequestHash = hash
	return g
}

// testSubmitKeyRace: submits with one idempotency key and two different
// requests race: one generation is made and charged once, the requests
// like it get it back, the others get EIDEMPOTENCY.
func testSubmitKeyRace(t *testing.T, open Opener) {
	s := open(t, 0)
	u := NewUser(t, s, "keyrace@example.com")
	const n = 10
	results := make([]*velro.Generation, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			g := withHash(pending(u.ID, nil, 10), []string{"a", "b"}[i%2])
			existing, _, err := s.SubmitGeneration(context.Background(), g, "race", velro.NoRule)
			results[i], errs[i] = cmp.Or(existing, g), err
		})
	}
	wg.Wait()
	made, refused := map[uuid.UUID]bool{}, map[string]int{}
	for i, err := range errs {
		switch velro.ErrorCode(err) {
		case "":
			made[results[i].ID] = true
		case velro.EIDEMPOTENCY:
			refused[[]string{"a", "b"}[i%2]]++
		default:
			t.Fatal(err)
		}
	}
	if len(made) != 1 || len(refused) != 1 || refused["a"]+refused["b"] != n/2 || balance(t, s, u.ID) != velro.WelcomeCredits-10 {
		t.Fatalf("made %v, refused %v, balance %d", made, refused, balance(t, s, u.ID))
	}
}

// testSubmitConcurrency: n submits race with credits for k of them.
func testSubmitConcurrency(t *testing.T, open Opener) {
	s := open(t, 0)
	u := NewUser(t, s, "race@example.com")
	const n, cost = 16, 100 // the welcome bonus covers k = 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted, short := 0, 0
	for range n {
		wg.Go(func() {
			_, _, err := s.SubmitGeneration(context.Background(), pending(u.ID, nil, cost), "", velro.NoRule)
			mu.Lock()
			defer mu.Unlock()
			switch velro.ErrorCode(err) {
			case "":
				accepted++
			case velro.EPAYMENT:
				short++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if accepted != velro.WelcomeCredits/cost || short != n-accepted || balance(t, s, u.ID) != 0 {
		t.Fatalf("%d accepted, %d refused, balance %d", accepted, short, balance(t, s, u.ID))
	}
}

func testLifecycle(t *testing.T, open Opener) {
	s := open(t, 0)
	u := NewUser(t, s, "life@example.com")
	submit := func() *velro.Generation {
		g := pending(u.ID, nil, 50)
		_, _, err := s.SubmitGeneration(ctx(t), g, "", velro.NoRule)
		must(t, err)
		return g
	}

	// Completed: no refund, no cancel, no late failure.
	done := submit()
	got, _, err := s.StartGeneration(ctx(t), done.ID)
	must(t, err)
	if got.Status != velro.StatusProcessing {
		t.Fatalf("started: %s", got.Status)
	}
	must(t, errOf(s.SaveProviderState(ctx(t), done.ID, []byte(`{"request_id":"r1"}`))))
	if st, err := s.ProviderState(ctx(t), done.ID); err != nil || string(st) != `{"request_id":"r1"}` {
		t.Fatalf("provider state %q %v", st, err)
	}
	ok, _, err := s.CompleteGeneration(ctx(t), done.ID, []string{"generations/x/0.png"}, 1234)
	must(t, err)
	got, _ = s.FindGeneration(ctx(t), done.ID)
	if !ok || got.Status != velro.StatusCompleted || got.CompletedAt == nil || len(got.OutputURLs) != 1 || got.StartedAt == nil ||
		got.ProcessingTimeMS == nil || *got.ProcessingTimeMS != got.CompletedAt.Sub(*got.StartedAt).Milliseconds() || *got.ProcessingTimeMS < 0 {
		t.Fatalf("completed: %v %+v", ok, got)
	}
	if u := usage(t, s, u.ID); u.GenerationBytes != 1234 || u.UsedBytes != 1234 {
		t.Fatalf("storage after an output of 1234 bytes: %+v", u)
	}
	_, _, err = s.CancelGeneration(ctx(t), done.ID, velro.NoRule)
	wantCode(t, err, velro.ECONFLICT)
	if ended, _, _ := s.FailGeneration(ctx(t), done.ID, "late"); ended {
		t.Fatal("a completed generation failed later")
	}
	if entries(t, s, u.ID, done.ID, velro.CreditRefund) != 0 {
		t.Fatal("a completed generation was refunded")
	}

	// Failed: refunded exactly once however often it fails.
	failed := submit()
	for i := range 3 {
		ended, _, err := s.FailGeneration(ctx(t), failed.ID, "provider exploded")
		must(t, err)
		if ended != (i == 0) {
			t.Fatalf("fail #%d ended=%v", i, ended)
		}
	}
	got, _ = s.FindGeneration(ctx(t), failed.ID)
	if got.Status != velro.StatusFailed || got.ErrorMessage == nil || *got.ErrorMessage != "provider exploded" {
		t.Fatalf("failed: %+v", got)
	}
	if n := entries(t, s, u.ID, failed.ID, velro.CreditRefund); n != 1 {
		t.Fatalf("%d refunds of a failed generation", n)
	}

	// Cancelled while processing: refunded once; a late completion is refused.
	cancelled := submit()
	_, _, err = s.StartGeneration(ctx(t), cancelled.ID)
	must(t, err)
	got, _, err = s.CancelGeneration(ctx(t), cancelled.ID, velro.NoRule)
	must(t, err)
	if got.Status != velro.StatusCancelled {
		t.Fatalf("cancel: %s", got.Status)
	}
	_, _, err = s.CancelGeneration(ctx(t), cancelled.ID, velro.NoRule)
	wantCode(t, err, velro.ECONFLICT)
	if ok, _, _ := s.CompleteGeneration(ctx(t), cancelled.ID, []string{"x"}, 1); ok {
		t.Fatal("a cancelled generation completed")
	}
	if ended, _, _ := s.FailGeneration(ctx(t), cancelled.ID, "x"); ended {
		t.Fatal("a cancelled generation failed")
	}
	if n := entries(t, s, u.ID, cancelled.ID, velro.CreditRefund); n != 1 {
		t.Fatalf("%d refunds of a cancelled generation", n)
	}

	// Deleted in flight: refunded; deleted after completion: not.
	inflight := submit()
	_, err = s.DeleteGeneration(ctx(t), inflight.ID, velro.NoRule)
	must(t, err)
	if n := entries(t, s, u.ID, inflight.ID, velro.CreditRefund); n != 1 {
		t.Fatalf("%d refunds of a generation deleted in flight", n)
	}
	_, err = s.DeleteGeneration(ctx(t), done.ID, velro.NoRule)
	must(t, err)
	if n := entries(t, s, u.ID, done.ID, velro.CreditRefund); n != 0 {
		t.Fatal("deleting a completed generation refunded it")
	}
	_, _, err = s.StartGeneration(ctx(t), inflight.ID)
	wantCode(t, err, velro.ENOTFOUND)

	// 1000 - 4 submits*50 + 3 refunds*50.
	if b := balance(t, s, u.ID); b != 950 {
		t.Fatalf("balance %d", b)
	}
}

func testListsAndStats(t *testing.T, open Opener) {
	s := open(t, 0)
	u := NewUser(t, s, "stats@example.com")
	p := NewProject(t, s, u.ID, velro.VisibilityPrivate)
	var ids []uuid.UUID
	for i := range 4 {
		project := &p.ID
		if i%2 == 1 {
			project = nil
		}
		g := pending(u.ID, project, 25)
		if i == 3 {
			g.ModelID, g.MediaType = "local/video", velro.MediaVideo
		}
		_, _, err := s.SubmitGeneration(ctx(t), g, "", velro.NoRule)
		must(t, err)
		ids = append(ids, g.ID)
	}
	_, _, err := s.StartGeneration(ctx(t), ids[0])
	must(t, err)
	_, _, err = s.CompleteGeneration(ctx(t), ids[0], []string{"a"}, 700)
	must(t, err)
	_, _, err = s.FailGeneration(ctx(t), ids[1], "no")
	must(t, err)
	g, _, err := s.ToggleFavorite(ctx(t), ids[0], velro.NoRule)
	must(t, err)
	if !g.IsFavorite {
		t.Fatal("favorite did not toggle on")
	}

	list, total, err := s.ListGenerations(ctx(t), velro.GenerationFilter{UserID: u.ID, Page: velro.Page{Limit: 3}})
	must(t, err)
	if total != 4 || len(list) != 3 || list[0].ID != ids[3] {
		t.Fatalf("list: %d of %d", len(list), total)
	}
	list, total, err = s.ListGenerations(ctx(t), velro.GenerationFilter{ProjectID: &p.ID, Page: velro.Page{Limit: 10}})
	must(t, err)
	if total != 2 || len(list) != 2 {
		t.Fatalf("project list: %d of %d", len(list), total)
	}
	// The filters of the gallery and of the admin console. ids: 0 completed
	// and favourite (in p), 1 failed, 2 pending (in p), 3 a pending video;
	// another user's failed one.
	other := NewUser(t, s, "other-stats@example.com")
	theirs := pending(other.ID, nil, 25)
	_, _, err = s.SubmitGeneration(ctx(t), theirs, "", velro.NoRule)
	must(t, err)
	_, _, err = s.FailGeneration(ctx(t), theirs.ID, "no")
	must(t, err)
	yes, no := true, false
	for _, c := range []struct {
		name   string
		filter velro.GenerationFilter
		want   []uuid.UUID
	}{
		{"model", velro.GenerationFilter{UserID: u.ID, ModelID: "local/video"}, []uuid.UUID{ids[3]}},
		{"failed", velro.GenerationFilter{UserID: u.ID, Statuses: []velro.Status{velro.StatusFailed}}, []uuid.UUID{ids[1]}},
		{"in flight", velro.GenerationFilter{UserID: u.ID, Statuses: []velro.Status{velro.StatusPending, velro.StatusProcessing}}, []uuid.UUID{ids[3], ids[2]}},
		{"favourites", velro.GenerationFilter{UserID: u.ID, Favorite: &yes}, []uuid.UUID{ids[0]}},
		{"not favourite images", velro.GenerationFilter{UserID: u.ID, Favorite: &no, ModelID: "local/image"}, []uuid.UUID{ids[2], ids[1]}},
		{"project, completed", velro.GenerationFilter{ProjectID: &p.ID, Statuses: []velro.Status{velro.StatusCompleted}}, []uuid.UUID{ids[0]}},
		{"every user's failed", velro.GenerationFilter{AnyUser: true, Statuses: []velro.Status{velro.StatusFailed}}, []uuid.UUID{theirs.ID, ids[1]}},
		{"since later", velro.GenerationFilter{UserID: u.ID, Since: velro.Now().Add(time.Hour)}, nil},
		{"since earlier", velro.GenerationFilter{UserID: other.ID, Since: velro.Now().Add(-time.Hour)}, []uuid.UUID{theirs.ID}},
	} {
		c.filter.Limit = 10
		list, total, err := s.ListGenerations(ctx(t), c.filter)
		must(t, err)
		var got []uuid.UUID
		for _, g := range list {
			got = append(got, g.ID)
		}
		if total != len(c.want) || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %v (total %d), want %v", c.name, got, total, c.want)
		}
	}

	st, err := s.GenerationStats(ctx(t), u.ID)
	must(t, err)
	want := velro.GenerationStats{Total: 4, Completed: 1, Failed: 1, Processing: 2, Favorite: 1, CreditsUsed: 75, SuccessRatePct: 50,
		Breakdown: velro.Breakdown{ByModel: map[string]int{"local/image": 3, "local/video": 1},
			ByType: map[velro.MediaType]int{velro.MediaImage: 3, velro.MediaVideo: 1}}}
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("stats %+v, want %+v", st, want)
	}
	ps, err := s.ProjectStats(ctx(t), p.ID)
	must(t, err)
	newest, err := s.FindGeneration(ctx(t), ids[2])
	must(t, err)
	wantProject := velro.ProjectStats{GenerationCount: 2, Completed: 1, InProgress: 1, TotalCreditsUsed: 50,
		Breakdown:        velro.Breakdown{ByModel: map[string]int{"local/image": 2}, ByType: map[velro.MediaType]int{velro.MediaImage: 2}},
		LastGenerationAt: &newest.CreatedAt}
	if !reflect.DeepEqual(ps, wantProject) {
		t.Fatalf("project stats %+v, want %+v", ps, wantProject)
	}
	empty, err := s.ProjectStats(ctx(t), NewProject(t, s, u.ID, velro.VisibilityPrivate).ID)
	must(t, err)
	if empty.GenerationCount != 0 || empty.LastGenerationAt != nil || len(empty.ByModel) != 0 || empty.ByType == nil {
		t.Fatalf("stats of an empty project %+v", empty)
	}

	entry, _, err := s.GrantCredits(ctx(t), u.ID, 500, "Support goodwill")
	must(t, err)
	if entry.Type != velro.CreditGrant || entry.Amount != 500 || entry.BalanceAfter != 1000-100+25+500 {
		t.Fatalf("grant %+v", entry)
	}
	_, _, err = s.GrantCredits(ctx(t), u.ID, 0, "")
	wantCode(t, err, velro.EINVALID)
	_, _, err = s.GrantCredits(ctx(t), uuid.New(), 5, "")
	wantCode(t, err, velro.ENOTFOUND)

	// Bounds in another time zone mean the same instants.
	tokyo, newYork := time.FixedZone("JST", 9*3600), time.FixedZone("EST", -5*3600)
	cs, err := s.CreditStats(ctx(t), u.ID, time.Now().Add(-time.Hour).In(tokyo))
	must(t, err)
	if cs.CurrentBalance != 1425 || cs.TotalSpent != 75 || cs.TotalPurchased != 500 || cs.GenerationCount != 4 || cs.TransactionCount != 7 {
		t.Fatalf("credit stats %+v", cs)
	}
	if later, _ := s.CreditStats(ctx(t), u.ID, time.Now().Add(time.Hour).In(newYork)); later.TransactionCount != 0 || later.CurrentBalance != 1425 {
		t.Fatalf("stats of an empty period %+v", later)
	}
	if stale, err := s.StaleGenerations(ctx(t), time.Now().Add(-time.Minute).In(tokyo), 10); err != nil || len(stale) != 0 {
		t.Fatalf("generations changed a moment ago are stale: %v %v", stale, err)
	}
	if stale, err := s.StaleGenerations(ctx(t), time.Now().Add(time.Minute).In(newYork), 10); err != nil || len(stale) != 2 {
		t.Fatalf("in-flight generations older than the bound: %v %v", stale, err)
	}
	balance(t, s, u.ID)
}
