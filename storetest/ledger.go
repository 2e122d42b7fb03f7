package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/velro-ai/velro"
)

func testLedger(t *testing.T, open Opener) {
	s := open(t, 0)
	u := NewUser(t, s, "ledger@example.com")
	list, total, err := s.ListCreditTransactions(ctx(t), u.ID, velro.Page{Limit: 50})
	must(t, err)
	if total != 1 || len(list) != 1 {
		t.Fatalf("ledger of a new user: %d entries (total %d), want the welcome bonus", len(list), total)
	}
	e := list[0]
	if e.Type != velro.CreditBonus || e.Amount != velro.WelcomeCredits || e.BalanceAfter != velro.WelcomeCredits ||
		e.Description != "Welcome bonus credits" || e.GenerationID != nil || e.UserID != u.ID {
		t.Fatalf("welcome entry = %+v", e)
	}
	assertLedgerMatchesBalance(t, s, u)

	other := NewUser(t, s, "other@example.com")
	list, total, err = s.ListCreditTransactions(ctx(t), other.ID, velro.Page{Limit: 50, Offset: 1})
	must(t, err)
	if total != 1 || len(list) != 0 {
		t.Fatalf("offset past the end: %d entries, total %d", len(list), total)
	}
}

// assertLedgerMatchesBalance checks the ledger invariant: the amounts of a
// user's entries sum to the balance.
func assertLedgerMatchesBalance(t testing.TB, s velro.Store, u *velro.User) {
	t.Helper()
	got, err := s.FindUserByID(ctx(t), u.ID)
	must(t, err)
	sum, err := s.LedgerSum(ctx(t), u.ID)
	must(t, err)
	if sum != got.CreditsBalance {
		t.Fatalf("ledger sum %d != balance %d", sum, got.CreditsBalance)
	}
}

func testDeadline(t *testing.T, open Opener) {
	s := open(t, time.Nanosecond)
	_, err := s.FindUserByEmail(ctx(t), "x@example.com")
	wantCode(t, err, velro.EUNAVAILABLE)
	u := &velro.User{ID: velro.NewID(), Email: "deadline@example.com", PasswordHash: "x", Role: velro.UserRole}
	err = errOf(s.CreateUser(ctx(t), u))
	wantCode(t, err, velro.EUNAVAILABLE)
	if errors.Is(err, velro.ErrMaybeCommitted) {
		t.Fatal("a write that timed out before its commit was sent is reported as perhaps committed")
	}
	wantCode(t, s.Ping(ctx(t)), velro.EUNAVAILABLE)
}
