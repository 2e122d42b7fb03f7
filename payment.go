package velro

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// CheckoutStatus is where a purchase stands.
type CheckoutStatus string

// Checkout statuses: created and not yet paid, paid and credited, or paid
// but refused (the amount, currency or buyer did not match, or the account
// was gone); a refused payment is audited for someone to settle by hand.
const (
	CheckoutOpen     CheckoutStatus = "open"
	CheckoutPaid     CheckoutStatus = "paid"
	CheckoutRejected CheckoutStatus = "rejected"
)

// Checkout is one purchase of a pack through a Stripe Checkout Session,
// stored when the session is created: what it credits is what it was
// created with, whatever the packs say later.
type Checkout struct {
	SessionID string         `json:"session_id"`
	UserID    uuid.UUID      `json:"user_id"`
	PackID    string         `json:"pack_id"`
	Credits   int64          `json:"credits"`
	Amount    int64          `json:"amount" doc:"Price in the currency's minor unit"`
	Currency  string         `json:"currency"`
	Status    CheckoutStatus `json:"status" enum:"open,paid,rejected"`
	// AmountRefunded is the most Stripe has refunded of the payment yet.
	AmountRefunded int64 `json:"amount_refunded"`
	// CreditsRefunded are the credits the refunds accounted for: taken
	// back, or CreditsUnrecovered when the balance no longer held them.
	CreditsRefunded    int64      `json:"credits_refunded"`
	CreditsUnrecovered int64      `json:"credits_unrecovered"`
	CreatedAt          time.Time  `json:"created_at"`
	CompletedAt        *time.Time `json:"completed_at"`
}

// Stripe event types Velro acts on.
const (
	EventCheckoutCompleted    = "checkout.session.completed"
	EventCheckoutAsyncSucceed = "checkout.session.async_payment_succeeded"
	EventChargeRefunded       = "charge.refunded"
)

// PaymentEvent is what Velro reads of a verified Stripe event: the fields
// of a Checkout Session, or of a refunded charge.
type PaymentEvent struct {
	ID   string
	Type string
	// A Checkout Session's.
	SessionID         string
	ClientReferenceID string
	MetadataUserID    string
	PackID            string
	AmountTotal       int64
	Currency          string
	PaymentStatus     string
	// PaymentIntent ties a session to its charge's refunds.
	PaymentIntent string
	// A charge's: its amount and the amount refunded so far (cumulative).
	ChargeAmount   int64
	AmountRefunded int64
}

// PaymentOutcome says what handling a payment event did.
type PaymentOutcome string

// Payment outcomes. Every one but PaymentIgnored is audited.
const (
	PaymentCredited  PaymentOutcome = "credited"  // credits added
	PaymentDuplicate PaymentOutcome = "duplicate" // already credited: nothing added
	PaymentPending   PaymentOutcome = "pending"   // not paid yet (an async payment method)
	PaymentRejected  PaymentOutcome = "rejected"  // refused: nothing credited
	PaymentRefunded  PaymentOutcome = "refunded"  // a refund's share taken back (or found already taken)
	PaymentRecorded  PaymentOutcome = "recorded"  // a refund kept until its payment completes
	PaymentIgnored   PaymentOutcome = "ignored"   // a type Velro does not act on (not audited)
)

// CreditsPurchased is the domain event of a paid checkout whose credits
// were added: subscribers (Payments.Subscribe) hear of it once, after the
// ledger entry is committed.
type CreditsPurchased struct {
	UserID  uuid.UUID
	Credits int64
	PackID  string
	// Balance is the user's balance right after the purchase.
	Balance int64
	// Reference is the Stripe Checkout Session id, the ledger entry's.
	Reference string
	At        time.Time
}

// PaymentResult is what handling a payment event did.
type PaymentResult struct {
	Outcome PaymentOutcome
	// Reason names why an event was rejected (amount_mismatch, ...).
	Reason string
	// Purchase is set when credits were added.
	Purchase *CreditsPurchased
}

// PaymentReader reads the checkouts.
type PaymentReader interface {
	// ListCheckouts returns a page of checkouts, newest first, and the total.
	ListCheckouts(ctx context.Context, page Page) ([]*Checkout, int, error)
}

// PaymentWriter records checkouts and the Stripe events about them. Each
// event is handled in one transaction with its ledger entry and its audit
// event, exactly once per session and refunded amount however many times
// and however concurrently it is delivered.
type PaymentWriter interface {
	// CreateCheckout stores a checkout Stripe just created (status open).
	CreateCheckout(ctx context.Context, c *Checkout) (Effects, error)
	// CompleteCheckout credits a paid session once. fallback is the pack
	// the event's metadata names, used when Velro has no row for the
	// session (zero when unknown).
	CompleteCheckout(ctx context.Context, ev PaymentEvent, fallback CreditPack) (PaymentResult, Effects, error)
	// RefundPayment takes back the refunded share of a payment's credits,
	// never below a zero balance.
	RefundPayment(ctx context.Context, ev PaymentEvent) (PaymentResult, Effects, error)
}
