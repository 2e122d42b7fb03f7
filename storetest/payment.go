package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// The pack of the payment tests: 1000 credits for 3.00 eur, so a refund of
// 1.00 takes back 333.33 credits, rounded up to 334.
var testPack = velro.CreditPack{ID: "starter", Credits: 1000, Amount: 300, Currency: "eur"}

// paid is the completion event of a checkout of testPack by user.
func paid(session string, user uuid.UUID, intent string) velro.PaymentEvent {
	return velro.PaymentEvent{ID: "evt_" + session, Type: velro.EventCheckoutCompleted, SessionID: session,
		ClientReferenceID: user.String(), MetadataUserID: user.String(), PackID: testPack.ID,
		AmountTotal: testPack.Amount, Currency: testPack.Currency, PaymentStatus: "paid", PaymentIntent: intent}
}

// refunded is a charge.refunded event: refunded of the charge so far.
func refunded(intent string, amountRefunded int64) velro.PaymentEvent {
	return velro.PaymentEvent{ID: fmt.Sprintf("evt_%s_%d", intent, amountRefunded), Type: velro.EventChargeRefunded,
		PaymentIntent: intent, ChargeAmount: testPack.Amount, AmountRefunded: amountRefunded}
}

// checkout stores an open checkout of testPack by user.
func checkout(t testing.TB, s velro.Store, session string, user uuid.UUID) {
	t.Helper()
	must(t, errOf(s.CreateCheckout(ctx(t), &velro.Checkout{SessionID: session, UserID: user, PackID: testPack.ID,
		Credits: testPack.Credits, Amount: testPack.Amount, Currency: testPack.Currency})))
}

// balanceOf reads user's balance and checks the ledger sums to it.
func balanceOf(t testing.TB, s velro.Store, user uuid.UUID) int64 {
	t.Helper()
	u, err := s.FindUserByID(ctx(t), user)
	must(t, err)
	sum, err := s.LedgerSum(ctx(t), user)
	must(t, err)
	if sum != u.CreditsBalance {
		t.Fatalf("ledger sums to %d, balance is %d", sum, u.CreditsBalance)
	}
	return u.CreditsBalance
}

func wantOutcome(t testing.TB, what string, res velro.PaymentResult, err error, outcome velro.PaymentOutcome, reason string) {
	t.Helper()
	if err != nil || res.Outcome != outcome || res.Reason != reason {
		t.Fatalf("%s: %+v, %v; want %s %s", what, res, err, outcome, reason)
	}
}

func testPayments(t *testing.T, open Opener) {
	s := open(t, 0)
	u := NewUser(t, s, "buyer@example.com")
	start := balanceOf(t, s, u.ID)

	// Paid: credited once, from the stored row, with its reference.
	checkout(t, s, "cs_one", u.ID)
	res, eff, err := s.CompleteCheckout(ctx(t), paid("cs_one", u.ID, "pi_one"), velro.CreditPack{})
	wantOutcome(t, "completion", res, err, velro.PaymentCredited, "")
	if p := res.Purchase; p == nil || p.UserID != u.ID || p.Credits != 1000 || p.Balance != start+1000 || p.Reference != "cs_one" || p.PackID != "starter" {
		t.Fatalf("purchase %+v", res.Purchase)
	}
	if len(eff.Users) != 1 || eff.Users[0] != u.ID {
		t.Fatalf("effects %+v", eff)
	}
	entries, _, err := s.ListCreditTransactions(ctx(t), u.ID, velro.Page{Limit: 1})
	must(t, err)
	if e := entries[0]; e.Type != velro.CreditPurchase || e.Amount != 1000 || e.Reference != "cs_one" {
		t.Fatalf("ledger entry %+v", e)
	}
	res, _, err = s.CompleteCheckout(ctx(t), paid("cs_one", u.ID, "pi_one"), velro.CreditPack{})
	wantOutcome(t, "replay", res, err, velro.PaymentDuplicate, "")
	if b := balanceOf(t, s, u.ID); b != start+1000 {
		t.Fatalf("balance %d after a replay, want %d", b, start+1000)
	}

	// Refused: nothing credited.
	checkout(t, s, "cs_bad", u.ID)
	ev := paid("cs_bad", u.ID, "pi_bad")
	ev.AmountTotal = 1
	res, _, err = s.CompleteCheckout(ctx(t), ev, testPack)
	wantOutcome(t, "amount mismatch", res, err, velro.PaymentRejected, "amount_mismatch")
	ev = paid("cs_bad", u.ID, "pi_bad")
	ev.Currency = "usd"
	res, _, err = s.CompleteCheckout(ctx(t), ev, testPack)
	wantOutcome(t, "currency mismatch", res, err, velro.PaymentDuplicate, "") // the checkout was settled as rejected
	ev = paid("cs_other", u.ID, "pi_other")
	ev.MetadataUserID = uuid.NewString()
	res, _, err = s.CompleteCheckout(ctx(t), ev, testPack)
	wantOutcome(t, "buyer mismatch", res, err, velro.PaymentRejected, "buyer_mismatch")
	res, _, err = s.CompleteCheckout(ctx(t), paid("cs_nopack", u.ID, "pi_nopack"), velro.CreditPack{})
	wantOutcome(t, "unknown pack", res, err, velro.PaymentRejected, "unknown_pack")
	ev = paid("cs_async", u.ID, "")
	ev.PaymentStatus = "unpaid"
	res, _, err = s.CompleteCheckout(ctx(t), ev, testPack)
	wantOutcome(t, "unpaid", res, err, velro.PaymentPending, "")
	if b := balanceOf(t, s, u.ID); b != start+1000 {
		t.Fatalf("balance %d after refused events, want %d", b, start+1000)
	}
	// No row: credited from the metadata's pack.
	ev.PaymentStatus, ev.Type = "paid", velro.EventCheckoutAsyncSucceed
	res, _, err = s.CompleteCheckout(ctx(t), ev, testPack)
	wantOutcome(t, "async success", res, err, velro.PaymentCredited, "")

	// Refunds: the share, rounded up, each refunded amount once.
	base := balanceOf(t, s, u.ID)
	for _, step := range []struct {
		refunded, taken int64
	}{{100, 334}, {100, 334}, {300, 1000}, {300, 1000}, {200, 1000}} {
		res, _, err = s.RefundPayment(ctx(t), refunded("pi_one", step.refunded))
		wantOutcome(t, "refund", res, err, velro.PaymentRefunded, "")
		if b := balanceOf(t, s, u.ID); b != base-step.taken {
			t.Fatalf("after refunding %d: balance %d, want %d", step.refunded, b, base-step.taken)
		}
	}

	// A refund before its completion is netted when the completion comes.
	checkout(t, s, "cs_early", u.ID)
	before := balanceOf(t, s, u.ID)
	res, _, err = s.RefundPayment(ctx(t), refunded("pi_early", 100))
	wantOutcome(t, "early refund", res, err, velro.PaymentRecorded, "")
	res, _, err = s.CompleteCheckout(ctx(t), paid("cs_early", u.ID, "pi_early"), velro.CreditPack{})
	wantOutcome(t, "completion after a refund", res, err, velro.PaymentCredited, "")
	if b := balanceOf(t, s, u.ID); b != before+1000-334 || res.Purchase.Balance != b {
		t.Fatalf("netted balance %d (purchase says %d), want %d", b, res.Purchase.Balance, before+1000-334)
	}

	// Never below zero: what the balance no longer holds is unrecovered.
	poor := NewUser(t, s, "poor@example.com")
	checkout(t, s, "cs_poor", poor.ID)
	res, _, err = s.CompleteCheckout(ctx(t), paid("cs_poor", poor.ID, "pi_poor"), velro.CreditPack{})
	wantOutcome(t, "completion", res, err, velro.PaymentCredited, "")
	spend(t, s, poor.ID, balanceOf(t, s, poor.ID)-100)
	res, _, err = s.RefundPayment(ctx(t), refunded("pi_poor", 300))
	wantOutcome(t, "refund beyond the balance", res, err, velro.PaymentRefunded, "")
	if b := balanceOf(t, s, poor.ID); b != 0 {
		t.Fatalf("balance %d after a refund beyond it, want 0", b)
	}
	c := findCheckout(t, s, "cs_poor")
	if c.Status != velro.CheckoutPaid || c.AmountRefunded != 300 || c.CreditsRefunded != 1000 || c.CreditsUnrecovered != 900 {
		t.Fatalf("checkout after the refund %+v", c)
	}

	// A deleted account: refused and audited, never an error.
	gone := NewUser(t, s, "gone@example.com")
	checkout(t, s, "cs_gone", gone.ID)
	must(t, errOf(s.DeleteUser(ctx(t), gone.ID, velro.NoRule)))
	res, _, err = s.CompleteCheckout(ctx(t), paid("cs_gone", gone.ID, "pi_gone"), velro.CreditPack{})
	wantOutcome(t, "deleted account", res, err, velro.PaymentRejected, "account_deleted")
	res, _, err = s.RefundPayment(ctx(t), refunded("pi_gone", 300))
	wantOutcome(t, "refund of a deleted account's payment", res, err, velro.PaymentRecorded, "")

	list, total, err := s.ListCheckouts(ctx(t), velro.Page{Limit: 100})
	must(t, err)
	if total != 6 || len(list) != 6 {
		t.Fatalf("%d checkouts listed (total %d), want 6", len(list), total)
	}
	status := map[string]velro.CheckoutStatus{}
	for _, c := range list {
		status[c.SessionID] = c.Status
	}
	// cs_other (the buyer did not match) and cs_nopack (no row, no
	// pack) were never stored.
	want := map[string]velro.CheckoutStatus{"cs_one": "paid", "cs_bad": "rejected", "cs_async": "paid", "cs_early": "paid",
		"cs_poor": "paid", "cs_gone": "rejected"}
	for session, st := range want {
		if status[session] != st {
			t.Errorf("checkout %s is %q, want %q", session, status[session], st)
		}
	}
	// Purchases count net of the payments refunded (1000 + 334 credits).
	st, err := s.CreditStats(ctx(t), u.ID, velro.Now().Add(-time.Hour))
	must(t, err)
	if st.PurchaseCount != 3 || st.TotalPurchased != 3000-1334 || st.TotalSpent != 0 {
		t.Errorf("stats %+v, want 3 purchases of 1666 credits net and nothing spent", st)
	}
	events, n, err := s.ListAudit(ctx(t), velro.AuditFilter{Action: velro.AuditPaymentEvent, Page: velro.Page{Limit: 100}})
	must(t, err)
	if n != 20 || len(events) != 20 {
		t.Errorf("%d payment events audited, want 20", n)
	}
}

// spend charges user amount credits with a generation.
func spend(t testing.TB, s velro.Store, user uuid.UUID, amount int64) {
	t.Helper()
	now := velro.Now()
	g := &velro.Generation{ID: velro.NewID(), UserID: user, ModelID: "local/image", Prompt: "spend", Parameters: map[string]any{},
		Status: velro.StatusPending, Cost: amount, MediaType: "image", OutputURLs: []string{}, CreatedAt: now, UpdatedAt: now}
	_, _, err := s.SubmitGeneration(ctx(t), g, "", velro.NoRule)
	must(t, err)
}

func findCheckout(t testing.TB, s velro.Store, session string) *velro.Checkout {
	t.Helper()
	list, _, err := s.ListCheckouts(ctx(t), velro.Page{Limit: 100})
	must(t, err)
	for _, c := range list {
		if c.SessionID == session {
			return c
		}
	}
	t.Fatalf("no checkout %s", session)
	return nil
}

// testPaymentRace delivers the same event many times at once, as Stripe's
// retries and two instances receiving it would: one credit. Then the same
// refund many times at once, and two refunds of one payment racing its
// completion: each refunded amount taken back once.
func testPaymentRace(t *testing.T, open Opener) {
	s := open(t, 0)
	u := NewUser(t, s, "racer@example.com")
	start := balanceOf(t, s, u.ID)
	checkout(t, s, "cs_race", u.ID)
	outcomes := concurrently(20, func(int) (velro.PaymentResult, error) {
		res, _, err := s.CompleteCheckout(ctx(t), paid("cs_race", u.ID, "pi_race"), velro.CreditPack{})
		return res, err
	})
	if outcomes[velro.PaymentCredited] != 1 || outcomes[velro.PaymentDuplicate] != 19 {
		t.Fatalf("20 concurrent deliveries: %v, want 1 credited and 19 duplicates", outcomes)
	}
	// No stored row: the metadata's pack, still once.
	outcomes = concurrently(20, func(int) (velro.PaymentResult, error) {
		res, _, err := s.CompleteCheckout(ctx(t), paid("cs_unstored", u.ID, "pi_unstored"), testPack)
		return res, err
	})
	if outcomes[velro.PaymentCredited] != 1 || outcomes[velro.PaymentDuplicate] != 19 {
		t.Fatalf("20 concurrent deliveries without a row: %v", outcomes)
	}
	if b := balanceOf(t, s, u.ID); b != start+2000 {
		t.Fatalf("balance %d, want %d", b, start+2000)
	}
	concurrently(20, func(int) (velro.PaymentResult, error) {
		res, _, err := s.RefundPayment(ctx(t), refunded("pi_race", 100))
		return res, err
	})
	if b := balanceOf(t, s, u.ID); b != start+2000-334 {
		t.Fatalf("balance %d after 20 concurrent deliveries of a refund, want %d", b, start+2000-334)
	}

	// A completion and two partial refunds at once, in any order.
	checkout(t, s, "cs_mixed", u.ID)
	before := balanceOf(t, s, u.ID)
	concurrently(3, func(i int) (velro.PaymentResult, error) {
		var res velro.PaymentResult
		var err error
		switch i {
		case 0:
			res, _, err = s.CompleteCheckout(ctx(t), paid("cs_mixed", u.ID, "pi_mixed"), velro.CreditPack{})
		default:
			res, _, err = s.RefundPayment(ctx(t), refunded("pi_mixed", int64(100*i)))
		}
		return res, err
	})
	if b := balanceOf(t, s, u.ID); b != before+1000-667 {
		t.Fatalf("balance %d after a completion racing two refunds, want %d", b, before+1000-667)
	}
}

// concurrently runs n calls released at the same instant and counts their
// outcomes; any error fails the test.
func concurrently(n int, call func(i int) (velro.PaymentResult, error)) map[velro.PaymentOutcome]int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	release := make(chan struct{})
	counts := map[velro.PaymentOutcome]int{}
	for i := range n {
		wg.Go(func() {
			<-release
			res, err := call(i)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				counts["error: "+velro.PaymentOutcome(err.Error())]++
				return
			}
			counts[res.Outcome]++
		})
	}
	close(release)
	wg.Wait()
	return counts
}
