package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"
	"github.com/velro-ai/velro/internal/testenv"
)

// TestCreditPacks: the packs of VELRO_CREDIT_PACKS are listed to anyone.
func TestCreditPacks(t *testing.T) {
	c := startServer(t, env{"VELRO_CREDIT_PACKS": "solo:5:100:eur, team:50:900:eur"}).client(t)
	got := c.do("GET", "/api/v1/credits/packs", nil).want(t, 200).JSON(t)["packs"]
	want := []any{
		map[string]any{"id": "solo", "credits": 5.0, "amount": 100.0, "currency": "eur"},
		map[string]any{"id": "team", "credits": 50.0, "amount": 900.0, "currency": "eur"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("packs %v, want %v", got, want)
	}
	// Without Stripe's keys: no checkout, and no event is taken.
	a := register(t, c, "nokey@example.com")
	c.with(a.Access).do("POST", "/api/v1/credits/checkout", map[string]any{"pack_id": "solo"}).wantError(t, 503, "payments_unavailable")
	c.do("POST", "/api/v1/billing/stripe/webhook", `{}`, "Stripe-Signature", "t=1,v1=00").wantError(t, 503, "payments_unavailable")
}

const testWebhookSecret = "whsec_velro_test"

// stripeEvent is a signed Stripe event of a type about an object, signed
// at the time.
func stripeEvent(t *testing.T, kind string, object map[string]any, at time.Time) (body, signature string) {
	t.Helper()
	raw, err := json.Marshal(map[string]any{"id": fmt.Sprintf("evt_%d", time.Now().UnixNano()), "object": "event", "type": kind,
		"api_version": "2019-01-01", "data": map[string]any{"object": object}})
	if err != nil {
		t.Fatal(err)
	}
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: raw, Secret: testWebhookSecret, Timestamp: at})
	return string(raw), signed.Header
}

func sessionObject(session, user string, amount int64) map[string]any {
	return map[string]any{"id": session, "object": "checkout.session", "client_reference_id": user,
		"metadata":     map[string]any{"user_id": user, "pack_id": "starter", "credits": "1000"},
		"amount_total": amount, "currency": "usd", "payment_status": "paid", "payment_intent": "pi_e2e"}
}

// TestStripeCheckout: a checkout made against stripe-mock, paid by a signed
// event delivered many times at once, shows once in the balance, the
// ledger (with its reference), the stats and the admins' payments; a
// refund takes its share back. Forged, stale and oversized events are
// refused and change nothing.
func TestStripeCheckout(t *testing.T) {
	mock := testenv.StripeMock(t)
	e := env{"STRIPE_SECRET_KEY": "sk_test_velro", "STRIPE_WEBHOOK_SECRET": testWebhookSecret, "STRIPE_API_BASE": mock}
	s := startServer(t, e)
	c := s.client(t)
	buyer := register(t, c, "buyer@example.com")
	b := c.with(buyer.Access)

	c.do("POST", "/api/v1/credits/checkout", map[string]any{"pack_id": "starter"}).wantError(t, 401, "unauthorized")
	b.do("POST", "/api/v1/credits/checkout", map[string]any{"pack_id": "gold"}).wantError(t, 422, "invalid")
	out := b.do("POST", "/api/v1/credits/checkout", map[string]any{"pack_id": "starter"}).want(t, 201).JSON(t)
	session, _ := out["session_id"].(string)
	if !strings.HasPrefix(session, "cs_") || !strings.HasPrefix(out["checkout_url"].(string), "http") {
		t.Fatalf("checkout %v", out)
	}
	start := b.do("GET", "/api/v1/credits/balance", nil).want(t, 200).JSON(t)["balance"].(float64)

	hook := "/api/v1/billing/stripe/webhook"
	body, sig := stripeEvent(t, "checkout.session.completed", sessionObject(session, buyer.ID, 500), time.Now())
	c.do("POST", hook, body, "Stripe-Signature", sig+"0").wantError(t, 400, "bad_request")
	c.do("POST", hook, strings.Replace(body, "500", "5", 1), "Stripe-Signature", sig).wantError(t, 400, "bad_request")
	c.do("POST", hook, body).wantError(t, 400, "bad_request")
	old, oldSig := stripeEvent(t, "checkout.session.completed", sessionObject(session, buyer.ID, 500), time.Now().Add(-301*time.Second))
	c.do("POST", hook, old, "Stripe-Signature", oldSig).wantError(t, 400, "bad_request")
	big, bigSig := stripeEvent(t, "checkout.session.completed", map[string]any{"id": session, "padding": strings.Repeat("x", 64<<10)}, time.Now())
	c.do("POST", hook, big, "Stripe-Signature", bigSig).wantError(t, 413, "request_too_large")
	if got := b.do("GET", "/api/v1/credits/balance", nil).want(t, 200).JSON(t)["balance"].(float64); got != start {
		t.Fatalf("balance %v after refused events, want %v", got, start)
	}

	// The same event ten times at once: one credit.
	statuses := parallel(t, 10, func(int) *response { return c.do("POST", hook, body, "Stripe-Signature", sig) })
	if statuses[200] != 10 {
		t.Fatalf("statuses %v", statuses)
	}
	if got := b.do("GET", "/api/v1/credits/balance", nil).want(t, 200).JSON(t)["balance"].(float64); got != start+1000 {
		t.Fatalf("balance %v after ten deliveries, want %v", got, start+1000)
	}
	entry := b.do("GET", "/api/v1/credits/transactions?limit=1", nil).want(t, 200).JSON(t)["transactions"].([]any)[0].(map[string]any)
	if entry["transaction_type"] != "purchase" || entry["amount"] != 1000.0 || entry["reference"] != session {
		t.Fatalf("ledger entry %v", entry)
	}
	if st := b.do("GET", "/api/v1/credits/stats", nil).want(t, 200).JSON(t); st["total_purchased"] != 1000.0 || st["purchase_count"] != 1.0 {
		t.Fatalf("stats %v", st)
	}

	// Half refunded: half the credits go back.
	refund, refundSig := stripeEvent(t, "charge.refunded", map[string]any{"id": "ch_e2e", "object": "charge", "payment_intent": "pi_e2e",
		"amount": 500, "amount_refunded": 250}, time.Now())
	if r := c.do("POST", hook, refund, "Stripe-Signature", refundSig).want(t, 200).JSON(t); r["outcome"] != "refunded" {
		t.Fatalf("refund %v", r)
	}
	if got := b.do("GET", "/api/v1/credits/balance", nil).want(t, 200).JSON(t)["balance"].(float64); got != start+500 {
		t.Fatalf("balance %v after half a refund, want %v", got, start+500)
	}
	other, otherSig := stripeEvent(t, "customer.created", map[string]any{"id": "cus_1"}, time.Now())
	if r := c.do("POST", hook, other, "Stripe-Signature", otherSig).want(t, 200).JSON(t); r["outcome"] != "ignored" {
		t.Fatalf("unknown type %v", r)
	}

	// Admins see the payments; others may not.
	b.do("GET", "/api/v1/admin/payments", nil).wantError(t, 403, "forbidden")
	c.do("GET", "/api/v1/admin/payments", nil).wantError(t, 401, "unauthorized")
	e["VELRO_DATA_DIR"] = s.DataDir
	admin := adminOf(t, c, e, "admin@example.com")
	list := c.with(admin.Access).do("GET", "/api/v1/admin/payments", nil).want(t, 200).JSON(t)
	p := list["payments"].([]any)[0].(map[string]any)
	if list["total"] != 1.0 || p["session_id"] != session || p["status"] != "paid" || p["user_id"] != buyer.ID ||
		p["amount_refunded"] != 250.0 || p["credits_refunded"] != 500.0 {
		t.Fatalf("payments %v", list)
	}
}

// TestStripeDown: a checkout while Stripe does not answer is a 503 to
// retry, and nothing is stored.
func TestStripeDown(t *testing.T) {
	dead := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	c := startServer(t, env{"STRIPE_SECRET_KEY": "sk_test_velro", "STRIPE_API_BASE": dead}).client(t)
	a := register(t, c, "early@example.com")
	c.with(a.Access).do("POST", "/api/v1/credits/checkout", map[string]any{"pack_id": "starter"}).wantError(t, 503, "unavailable")
}
