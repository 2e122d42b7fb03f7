package stripe

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"
	"github.com/velro-ai/velro"
)

// Tolerance is how old a signed event may be.
const Tolerance = 300 * time.Second

// MaxEventSize bounds an event's body: Stripe's events of a Checkout
// Session or a charge are a few KiB.
const MaxEventSize = 64 << 10

// Webhook verifies and reads the events of Velro's webhook endpoint.
type Webhook struct {
	secret string
}

// NewWebhook returns the verifier of events signed with secret (whsec_...).
func NewWebhook(secret string) *Webhook { return &Webhook{secret: secret} }

// object is what Velro reads of an event's object: the fields of a
// Checkout Session and of a charge, nothing else, so events of any API
// version are read alike.
type object struct {
	ID                string            `json:"id"`
	ClientReferenceID string            `json:"client_reference_id"`
	Metadata          map[string]string `json:"metadata"`
	AmountTotal       int64             `json:"amount_total"`
	Currency          string            `json:"currency"`
	PaymentStatus     string            `json:"payment_status"`
	PaymentIntent     json.RawMessage   `json:"payment_intent"`
	Amount            int64             `json:"amount"`
	AmountRefunded    int64             `json:"amount_refunded"`
}

// Parse verifies body against the Stripe-Signature header and reads it.
// EBADREQUEST when the signature does not verify (bad, wrong secret, older
// than Tolerance) or the body is not an event.
func (w *Webhook) Parse(body []byte, signature string) (velro.PaymentEvent, error) {
	ev, err := webhook.ConstructEventWithOptions(body, signature, w.secret,
		webhook.ConstructEventOptions{Tolerance: Tolerance, IgnoreAPIVersionMismatch: true})
	if err != nil {
		return velro.PaymentEvent{}, velro.Errorf(velro.EBADREQUEST, "The event's signature does not verify: %s.", reason(err))
	}
	if ev.Data == nil {
		return velro.PaymentEvent{}, velro.Errorf(velro.EBADREQUEST, "The event has no data.")
	}
	return read(ev.ID, string(ev.Type), ev.Data.Raw)
}

// read reads a verified event's object. Types Velro does not act on are
// returned with their id and type only.
func read(id, kind string, raw []byte) (velro.PaymentEvent, error) {
	out := velro.PaymentEvent{ID: id, Type: kind}
	switch kind {
	case velro.EventCheckoutCompleted, velro.EventCheckoutAsyncSucceed, velro.EventChargeRefunded:
	default:
		return out, nil
	}
	var o object
	if err := json.Unmarshal(raw, &o); err != nil {
		return out, velro.Errorf(velro.EBADREQUEST, "The event's object cannot be read: %v.", err)
	}
	intent, err := o.paymentIntent()
	if err != nil {
		return out, err
	}
	out.PaymentIntent = intent
	if kind == velro.EventChargeRefunded {
		out.ChargeAmount, out.AmountRefunded = o.Amount, o.AmountRefunded
		return out, nil
	}
	out.SessionID, out.ClientReferenceID, out.AmountTotal, out.Currency, out.PaymentStatus =
		o.ID, o.ClientReferenceID, o.AmountTotal, o.Currency, o.PaymentStatus
	out.MetadataUserID, out.PackID = o.Metadata["user_id"], o.Metadata["pack_id"]
	return out, nil
}

// paymentIntent reads payment_intent: an id, an expanded object, or null.
func (o object) paymentIntent() (string, error) {
	if len(o.PaymentIntent) == 0 || string(o.PaymentIntent) == "null" {
		return "", nil
	}
	var id string
	if json.Unmarshal(o.PaymentIntent, &id) == nil {
		return id, nil
	}
	var expanded struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(o.PaymentIntent, &expanded); err != nil {
		return "", velro.Errorf(velro.EBADREQUEST, "The event's payment_intent is neither an id nor an object.")
	}
	return expanded.ID, nil
}

func reason(err error) string {
	switch {
	case errors.Is(err, webhook.ErrNotSigned):
		return "no Stripe-Signature header"
	case errors.Is(err, webhook.ErrInvalidHeader):
		return "a malformed Stripe-Signature header"
	case errors.Is(err, webhook.ErrTooOld):
		return "signed more than 300 s ago"
	case errors.Is(err, webhook.ErrNoValidSignature):
		return "no valid signature"
	}
	return "the body is not a Stripe event"
}
