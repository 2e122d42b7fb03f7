// Package storetest is the conformance suite every velro.Store must pass,
// run against each engine by that engine's tests (in the manner of River's
// riverdrivertest): one suite, the same expectations everywhere.
package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// Opener returns a fresh, migrated, empty store whose calls are bounded by
// timeout, with a job queue that nobody works, closed when the test ends.
type Opener func(t testing.TB, timeout time.Duration) velro.Store

// Run runs the whole suite.
func Run(t *testing.T, open Opener) {
	t.Run("Users", func(t *testing.T) { testUsers(t, open) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open) })
	t.Run("SessionList", func(t *testing.T) { testSessionList(t, open) })
	t.Run("EndSessionRace", func(t *testing.T) { testEndSessionRace(t, open) })
	t.Run("TOTP", func(t *testing.T) { testTOTP(t, open) })
	t.Run("MFAChallenges", func(t *testing.T) { testMFAChallenges(t, open) })
	t.Run("SecondFactorRace", func(t *testing.T) { testSecondFactorRace(t, open) })
	t.Run("SessionLifetime", func(t *testing.T) { testSessionLifetime(t, open) })
	t.Run("Secrets", func(t *testing.T) { testSecrets(t, open) })
	t.Run("SigningKeys", func(t *testing.T) { testSigningKeys(t, open) })
	t.Run("Ledger", func(t *testing.T) { testLedger(t, open) })
	t.Run("Deadline", func(t *testing.T) { testDeadline(t, open) })
	t.Run("Projects", func(t *testing.T) { testProjects(t, open) })
	t.Run("Shares", func(t *testing.T) { testShares(t, open) })
	t.Run("ProjectPages", func(t *testing.T) { testProjectPages(t, open) })
	t.Run("Teams", func(t *testing.T) { testTeams(t, open) })
	t.Run("Generations", func(t *testing.T) { testGenerationRows(t, open) })
	t.Run("AccessRules", func(t *testing.T) { testAccessRules(t, open) })
	t.Run("AccessTable", func(t *testing.T) { testAccessTable(t, open) })
	t.Run("AccessRace", func(t *testing.T) { testAccessRace(t, open) })
	t.Run("Checks", func(t *testing.T) { testChecks(t, open) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, open) })
	t.Run("Submit", func(t *testing.T) { testSubmit(t, open) })
	t.Run("SubmitConcurrency", func(t *testing.T) { testSubmitConcurrency(t, open) })
	t.Run("SubmitKeyRace", func(t *testing.T) { testSubmitKeyRace(t, open) })
	t.Run("ActiveCap", func(t *testing.T) { testActiveCap(t, open) })
	t.Run("Lifecycle", func(t *testing.T) { testLifecycle(t, open) })
	t.Run("ListsAndStats", func(t *testing.T) { testListsAndStats(t, open) })
	t.Run("Uploads", func(t *testing.T) { testUploads(t, open) })
	t.Run("UploadQuotaRace", func(t *testing.T) { testUploadQuotaRace(t, open) })
	t.Run("AccountControl", func(t *testing.T) { testAccountControl(t, open) })
	t.Run("AccountTokens", func(t *testing.T) { testAccountTokens(t, open) })
	t.Run("TokenRace", func(t *testing.T) { testTokenRace(t, open) })
	t.Run("DeleteUser", func(t *testing.T) { testDeleteUser(t, open) })
	t.Run("DeleteRace", func(t *testing.T) { testDeleteRace(t, open) })
	t.Run("Invitations", func(t *testing.T) { testInvitations(t, open) })
	t.Run("AcceptRace", func(t *testing.T) { testAcceptRace(t, open) })
	t.Run("InviterAuthority", func(t *testing.T) { testInviterAuthority(t, open) })
	t.Run("InviterRemovalRace", func(t *testing.T) { testInviterRemovalRace(t, open) })
	t.Run("Export", func(t *testing.T) { testExport(t, open) })
	t.Run("Effects", func(t *testing.T) { testEffects(t, open) })
	t.Run("Payments", func(t *testing.T) { testPayments(t, open) })
	t.Run("PaymentRace", func(t *testing.T) { testPaymentRace(t, open) })
}

func ctx(t testing.TB) context.Context { return t.Context() }

// wantCode fails unless err carries the application error code.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := velro.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// errOf is the error of a write that returns only its effects.
func errOf(_ velro.Effects, err error) error { return err }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// NewUser creates a user with the given email and returns it.
func NewUser(t testing.TB, s velro.Store, email string) *velro.User {
	t.Helper()
	u := &velro.User{ID: velro.NewID(), Email: email, PasswordHash: "$argon2id$test", Role: velro.UserRole}
	must(t, errOf(s.CreateUser(ctx(t), u)))
	return u
}

// NewInvitation invites email into the team with role, from its owner, as
// if its mail had been sent, and returns the mailed token.
func NewInvitation(t testing.TB, s velro.Store, team uuid.UUID, email string, role velro.TeamRole) string {
	t.Helper()
	tm, err := s.FindTeam(ctx(t), team)
	must(t, err)
	return NewInvitationFrom(t, s, team, tm.OwnerID, email, role)
}

// NewInvitationFrom is NewInvitation from another inviter.
func NewInvitationFrom(t testing.TB, s velro.Store, team, inviter uuid.UUID, email string, role velro.TeamRole) string {
	t.Helper()
	inv := &velro.Invitation{ID: velro.NewID(), TeamID: team, Email: email, Role: role, InvitedBy: &inviter}
	must(t, errOf(s.CreateInvitation(ctx(t), inv, velro.NoRule)))
	token, hash := velro.NewToken()
	if ok, _, err := s.SetInvitationToken(ctx(t), inv.ID, hash); err != nil || !ok {
		t.Fatalf("set the invitation's token: %v, %v", ok, err)
	}
	return token
}

// atOnce runs n calls of fn released at the same instant and returns how
// many succeeded; a call may also fail with the refused code, and any other
// error fails the test.
func atOnce(t testing.TB, n int, refused string, fn func() error) int {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn()
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch velro.ErrorCode(err) {
		case "":
			ok++
		case refused:
		default:
			t.Fatalf("a call made at the same instant failed: %v", err)
		}
	}
	return ok
}
