package auth

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/bus"
	"github.com/velro-ai/velro/guard"
	"github.com/velro-ai/velro/internal/testenv"
)

// TestEventsDropSessionStates: an event naming sessions drops exactly
// their cached states, and a flush drops them all. The sessions are
// revoked where this service cannot hear it (a guard on another bus), so
// only the events it is sent make it look again.
func TestEventsDropSessionStates(t *testing.T) {
	raw := testenv.Store(t, testenv.SQLite(t), 0)
	deaf := new(bus.Local) // the writes' bus, which the service does not hear
	store := guard.New(raw, authz.New(authz.Config{Store: raw, Bus: deaf}), deaf)
	heard := new(bus.Local)
	svc, err := NewService(t.Context(), store, Config{Hasher: NewHasher(Argon2Params{Memory: 64, Time: 1, Threads: 1}, 0, time.Minute), Bus: heard})
	if err != nil {
		t.Fatal(err)
	}
	var sessions []*Result
	for _, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		r, err := svc.Register(t.Context(), email, "Passw0rd!", "", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		p, err := svc.Authenticate(t.Context(), r.AccessToken) // cached from here on
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.RevokeSession(t.Context(), p.SessionID, velro.Now(), velro.AuditLogout); err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, r)
	}
	live := func(r *Result) bool {
		_, err := svc.Authenticate(t.Context(), r.AccessToken)
		return err == nil
	}
	for i, r := range sessions {
		if !live(r) {
			t.Fatalf("session %d: its cached state was dropped without an event", i)
		}
	}
	first, err := svc.tokens.Verify(t.Context(), sessions[0].AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := heard.Publish(t.Context(), velro.Event{Effects: velro.Effects{Sessions: []uuid.UUID{first.SessionID}}}); err != nil {
		t.Fatal(err)
	}
	if live(sessions[0]) {
		t.Error("a session named by an event is still accepted")
	}
	if !live(sessions[1]) || !live(sessions[2]) {
		t.Error("an event naming one session dropped the others' states")
	}
	if err := heard.Publish(t.Context(), velro.Event{Flush: true}); err != nil {
		t.Fatal(err)
	}
	if live(sessions[1]) || live(sessions[2]) {
		t.Error("a flush left session states cached")
	}
}
