package stripe

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"
	"github.com/velro-ai/velro"
)

const secret = "whsec_test"

func sign(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

func eventBody(kind string, object string) []byte {
	return []byte(`{"id":"evt_1","object":"event","api_version":"2015-01-01","type":"` + kind + `","data":{"object":` + object + `}}`)
}

const session = `{"id":"cs_1","object":"checkout.session","client_reference_id":"u1","metadata":{"user_id":"u1","pack_id":"starter","credits":"1000"},
	"amount_total":500,"currency":"usd","payment_status":"paid","payment_intent":"pi_1","customer":"cus_9"}`

func TestParse(t *testing.T) {
	w := NewWebhook(secret)
	now := time.Now()
	completed := eventBody(velro.EventCheckoutCompleted, session)
	cases := []struct {
		name      string
		body      []byte
		signature string
		want      velro.PaymentEvent
		err       string
	}{
		{"completed", completed, sign(completed, secret, now), velro.PaymentEvent{ID: "evt_1", Type: velro.EventCheckoutCompleted,
			SessionID: "cs_1", ClientReferenceID: "u1", MetadataUserID: "u1", PackID: "starter", AmountTotal: 500, Currency: "usd",
			PaymentStatus: "paid", PaymentIntent: "pi_1"}, ""},
		{"refund with an expanded payment intent", eventBody(velro.EventChargeRefunded, `{"id":"ch_1","payment_intent":{"id":"pi_2"},"amount":500,"amount_refunded":250}`),
			"", velro.PaymentEvent{ID: "evt_1", Type: velro.EventChargeRefunded, PaymentIntent: "pi_2", ChargeAmount: 500, AmountRefunded: 250}, ""},
		{"another type", eventBody("customer.created", `{"id":"cus_1"}`), "", velro.PaymentEvent{ID: "evt_1", Type: "customer.created"}, ""},
		{"tampered body", []byte(string(completed[:len(completed)-2]) + " }}"), sign(completed, secret, now), velro.PaymentEvent{},
			"The event's signature does not verify: no valid signature."},
		{"wrong secret", completed, sign(completed, "whsec_other", now), velro.PaymentEvent{}, "The event's signature does not verify: no valid signature."},
		{"too old", completed, sign(completed, secret, now.Add(-301*time.Second)), velro.PaymentEvent{},
			"The event's signature does not verify: signed more than 300 s ago."},
		{"unsigned", completed, "-", velro.PaymentEvent{}, "The event's signature does not verify: no Stripe-Signature header."},
		{"malformed header", completed, "t=soon,v1=00", velro.PaymentEvent{}, "The event's signature does not verify: a malformed Stripe-Signature header."},
		{"not JSON", []byte("nope"), sign([]byte("nope"), secret, now), velro.PaymentEvent{}, "The event's signature does not verify: the body is not a Stripe event."},
		{"an object of another shape", eventBody(velro.EventChargeRefunded, `{"amount":"many"}`), "", velro.PaymentEvent{ID: "evt_1", Type: velro.EventChargeRefunded},
			"bad_request"},
	}
	for _, c := range cases {
		sig := c.signature
		switch sig {
		case "":
			sig = sign(c.body, secret, now)
		case "-":
			sig = ""
		}
		got, err := w.Parse(c.body, sig)
		msg := ""
		if err != nil {
			msg = velro.ErrorMessage(err)
			if velro.ErrorCode(err) != velro.EBADREQUEST {
				t.Errorf("%s: error code %s, want bad_request", c.name, velro.ErrorCode(err))
			}
			if c.err == "bad_request" {
				msg = "bad_request"
			}
		}
		if msg != c.err || got != c.want {
			t.Errorf("%s: %+v, %q; want %+v, %q", c.name, got, msg, c.want, c.err)
		}
	}
}

// FuzzRead: any object of an acted-on type is read or refused as a bad
// request, never a panic or another error.
func FuzzRead(f *testing.F) {
	f.Add(velro.EventCheckoutCompleted, []byte(session))
	f.Add(velro.EventChargeRefunded, []byte(`{"payment_intent":{"id":"pi_2"},"amount":500,"amount_refunded":250}`))
	f.Add(velro.EventChargeRefunded, []byte(`{"payment_intent":null}`))
	f.Fuzz(func(t *testing.T, kind string, object []byte) {
		ev, err := read("evt_1", kind, object)
		if err != nil && velro.ErrorCode(err) != velro.EBADREQUEST {
			t.Fatalf("error %v", err)
		}
		if err == nil && json.Valid(object) && ev.Type != kind {
			t.Fatalf("type %q, want %q", ev.Type, kind)
		}
	})
}
