package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// enableTOTP turns TOTP on for user at step 7 with the recovery codes
// "r1" and "r2" (their hashes are velro.HashToken of them).
func enableTOTP(t testing.TB, s velro.Store, user uuid.UUID) {
	t.Helper()
	must(t, errOf(s.BeginTOTP(ctx(t), user, "SECRET")))
	must(t, errOf(s.ConfirmTOTP(ctx(t), user, 7, []string{velro.HashToken("r1"), velro.HashToken("r2")})))
}

// newChallenge is an MFA challenge of user, live for a minute.
func newChallenge(user uuid.UUID) *velro.MFAChallenge {
	_, hash := velro.NewToken()
	return &velro.MFAChallenge{TokenHash: hash, UserID: user, Method: velro.SignInPassword, ExpiresAt: velro.Now().Add(time.Minute)}
}

// testTOTP: an enrollment is begun (again, while unconfirmed), confirmed
// once, shows on the account, refuses a second enrollment; a step is used
// only if later than the last; disabling turns it off.
func testTOTP(t *testing.T, open Opener) {
	s := open(t, 0)
	u := NewUser(t, s, "totp@example.com")
	_, err := s.FindTOTP(ctx(t), u.ID)
	wantCode(t, err, velro.ENOTFOUND)
	wantCode(t, errOf(s.ConfirmTOTP(ctx(t), u.ID, 1, nil)), velro.ENOTFOUND)
	wantCode(t, errOf(s.DisableTOTP(ctx(t), u.ID)), velro.ENOTFOUND)
	must(t, errOf(s.BeginTOTP(ctx(t), u.ID, "FIRST")))
	must(t, errOf(s.BeginTOTP(ctx(t), u.ID, "SECOND")))
	got, err := s.FindTOTP(ctx(t), u.ID)
	must(t, err)
	if got.Secret != "SECOND" || got.Confirmed {
		t.Fatalf("begun: %+v", got)
	}
	if ok, _, err := s.UseTOTPStep(ctx(t), u.ID, 100); ok || err != nil {
		t.Fatalf("an unconfirmed TOTP used a step: %v, %v", ok, err)
	}
	must(t, errOf(s.ConfirmTOTP(ctx(t), u.ID, 7, []string{"h"})))
	wantCode(t, errOf(s.ConfirmTOTP(ctx(t), u.ID, 8, nil)), velro.ECONFLICT)
	wantCode(t, errOf(s.BeginTOTP(ctx(t), u.ID, "THIRD")), velro.ECONFLICT)
	if got, _ := s.FindUserByID(ctx(t), u.ID); !got.MFAEnabled {
		t.Fatal("the account does not show MFA on")
	}
	for _, step := range []struct {
		step int64
		ok   bool
	}{{7, false}, {6, false}, {8, true}, {8, false}, {10, true}, {9, false}} {
		if ok, _, err := s.UseTOTPStep(ctx(t), u.ID, step.step); ok != step.ok || err != nil {
			t.Fatalf("step %d: used %v (%v), want %v", step.step, ok, err, step.ok)
		}
	}
	must(t, errOf(s.DisableTOTP(ctx(t), u.ID)))
	if got, _ := s.FindUserByID(ctx(t), u.ID); got.MFAEnabled {
		t.Fatal("the account shows MFA on after disabling")
	}
	_, err = s.FindTOTP(ctx(t), u.ID)
	wantCode(t, err, velro.ENOTFOUND)
	events, _, err := s.ListAudit(ctx(t), velro.AuditFilter{TargetID: &u.ID, Page: velro.Page{Limit: 10}})
	must(t, err)
	seen := map[velro.AuditAction]int{}
	for _, e := range events {
		seen[e.Action]++
	}
	if seen[velro.AuditMFAEnabled] != 1 || seen[velro.AuditMFADisabled] != 1 {
		t.Fatalf("audited %v", seen)
	}
}

// testMFAChallenges: a challenge passes once, with a later step or an
// unused recovery code; a wrong factor changes nothing; it dies after
// MFAChallengeTries failures and when it expires.
func testMFAChallenges(t *testing.T, open Opener) {
	s := open(t, 0)
	u := NewUser(t, s, "challenge@example.com")
	enableTOTP(t, s, u.ID)
	pass := func(c *velro.MFAChallenge, f velro.SecondFactor, now time.Time) error {
		_, _, err := s.PassMFAChallenge(ctx(t), c.TokenHash, f, now)
		return err
	}
	c := newChallenge(u.ID)
	must(t, errOf(s.CreateMFAChallenge(ctx(t), c)))
	wantCode(t, pass(c, velro.SecondFactor{Step: 7}, velro.Now()), velro.EUNAUTHORIZED) // the confirming step
	wantCode(t, pass(c, velro.SecondFactor{RecoveryCodeHash: velro.HashToken("r3")}, velro.Now()), velro.EUNAUTHORIZED)
	got, _, err := s.PassMFAChallenge(ctx(t), c.TokenHash, velro.SecondFactor{Step: 8}, velro.Now())
	must(t, err)
	if got.UserID != u.ID || got.Method != velro.SignInPassword {
		t.Fatalf("passed %+v", got)
	}
	wantCode(t, pass(c, velro.SecondFactor{Step: 9}, velro.Now()), velro.EUNAUTHORIZED) // used

	r := newChallenge(u.ID)
	must(t, errOf(s.CreateMFAChallenge(ctx(t), r)))
	must(t, pass(r, velro.SecondFactor{RecoveryCodeHash: velro.HashToken("r1")}, velro.Now()))
	r = newChallenge(u.ID)
	must(t, errOf(s.CreateMFAChallenge(ctx(t), r)))
	wantCode(t, pass(r, velro.SecondFactor{RecoveryCodeHash: velro.HashToken("r1")}, velro.Now()), velro.EUNAUTHORIZED) // used up

	tired := newChallenge(u.ID)
	must(t, errOf(s.CreateMFAChallenge(ctx(t), tired)))
	for range velro.MFAChallengeTries {
		must(t, errOf(s.FailMFAChallenge(ctx(t), tired.TokenHash)))
	}
	if got, _ := s.FindMFAChallenge(ctx(t), tired.TokenHash); got.Failures != velro.MFAChallengeTries {
		t.Fatalf("failures %d", got.Failures)
	}
	wantCode(t, pass(tired, velro.SecondFactor{Step: 20}, velro.Now()), velro.EUNAUTHORIZED)

	late := newChallenge(u.ID)
	must(t, errOf(s.CreateMFAChallenge(ctx(t), late)))
	wantCode(t, pass(late, velro.SecondFactor{Step: 21}, late.ExpiresAt), velro.EUNAUTHORIZED)
	must(t, pass(late, velro.SecondFactor{Step: 21}, late.ExpiresAt.Add(-time.Second)))
	_, err = s.FindMFAChallenge(ctx(t), "unknown")
	wantCode(t, err, velro.ENOTFOUND)
}

// testSecondFactorRace: one TOTP code presented to two challenges at the
// same instant passes once; so does one recovery code.
func testSecondFactorRace(t *testing.T, open Opener) {
	s := open(t, 0)
	u := NewUser(t, s, "race-mfa@example.com")
	enableTOTP(t, s, u.ID)
	for i, f := range []velro.SecondFactor{{Step: 50}, {Step: 51}, {RecoveryCodeHash: velro.HashToken("r1")}, {RecoveryCodeHash: velro.HashToken("r2")}} {
		challenges := []*velro.MFAChallenge{newChallenge(u.ID), newChallenge(u.ID)}
		for _, c := range challenges {
			must(t, errOf(s.CreateMFAChallenge(ctx(t), c)))
		}
		mu := make(chan int, 2)
		mu <- 0
		mu <- 1
		if ok := atOnce(t, 2, velro.EUNAUTHORIZED, func() error {
			_, _, err := s.PassMFAChallenge(ctx(t), challenges[<-mu].TokenHash, f, velro.Now())
			return err
		}); ok != 1 {
			t.Fatalf("factor %d: %d of 2 simultaneous uses passed", i, ok)
		}
	}
}
