package service

import (
	"context"
	"log/slog"
	"sync"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/guard"
)

// paymentStore is what Payments needs of the (guarded) store.
type paymentStore interface {
	guard.Guarded
	CreateCheckout(ctx context.Context, c *velro.Checkout) (velro.Effects, error)
	CompleteCheckout(ctx context.Context, ev velro.PaymentEvent, fallback velro.CreditPack) (velro.PaymentResult, velro.Effects, error)
	RefundPayment(ctx context.Context, ev velro.PaymentEvent) (velro.PaymentResult, velro.Effects, error)
	ListCheckouts(ctx context.Context, page velro.Page) ([]*velro.Checkout, int, error)
}

// CheckoutGateway creates checkouts with the payment provider.
type CheckoutGateway interface {
	// CreateCheckout returns the page to send the buyer to and the
	// checkout's session id.
	CreateCheckout(ctx context.Context, user uuid.UUID, pack velro.CreditPack) (checkoutURL, sessionID string, err error)
}

// EventReader verifies and reads the payment provider's events.
type EventReader interface {
	Parse(body []byte, signature string) (velro.PaymentEvent, error)
}

// PaymentsConfig is what Payments works with besides the store.
type PaymentsConfig struct {
	Packs velro.CreditPacks
	// Gateway creates checkouts; nil: payments are off (503).
	Gateway CheckoutGateway
	// Events reads the webhook's events; nil: every event is refused (503,
	// so Stripe retries until the secret is set).
	Events EventReader
	Admins AdminCheck
	Log    *slog.Logger
}

// Payments sells credits: packs bought through a checkout, credited when
// the provider's event says the checkout was paid.
type Payments struct {
	store paymentStore
	cfg   PaymentsConfig

	mu          sync.RWMutex
	subscribers []func(context.Context, velro.CreditsPurchased)
}

// NewPayments returns the payment use cases.
func NewPayments(store paymentStore, cfg PaymentsConfig) *Payments {
	return &Payments{store: store, cfg: cfg}
}

// Packs lists what can be bought.
func (s *Payments) Packs() velro.CreditPacks { return s.cfg.Packs }

// Subscribe registers fn for every credits.purchased event: it is called
// once per credited checkout, on the instance that credited it, after the
// ledger entry committed. fn must be quick (it runs in the webhook's
// request); a subscriber that must not miss one (after a crash between the
// commit and the call) reads the ledger's purchase entries, which are the
// record.
func (s *Payments) Subscribe(fn func(context.Context, velro.CreditsPurchased)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subscribers = append(s.subscribers, fn)
}

var errPaymentsOff = velro.Errorf(velro.EPAYMENTS, "Payments are not set up on this server.")

// Checkout starts the purchase of a pack by user: a checkout created with
// the provider and stored with the pack's credits and price as they are now.
func (s *Payments) Checkout(ctx context.Context, user uuid.UUID, packID string) (checkoutURL, sessionID string, err error) {
	pack, ok := s.cfg.Packs.Find(packID)
	if !ok {
		return "", "", velro.Invalid("pack_id", "is not a pack (GET /api/v1/credits/packs lists them)")
	}
	if s.cfg.Gateway == nil {
		return "", "", errPaymentsOff
	}
	checkoutURL, sessionID, err = s.cfg.Gateway.CreateCheckout(ctx, user, pack)
	if err != nil {
		s.cfg.Log.WarnContext(ctx, "payments: creating a checkout failed", "error", err)
		return "", "", err
	}
	_, err = s.store.CreateCheckout(ctx, &velro.Checkout{SessionID: sessionID, UserID: user, PackID: pack.ID,
		Credits: pack.Credits, Amount: pack.Amount, Currency: pack.Currency})
	return checkoutURL, sessionID, err
}

// HandleEvent verifies, reads and applies one event of the provider. An
// error means nothing was recorded (the provider retries), or the event
// was refused as forged or malformed (EBADREQUEST).
func (s *Payments) HandleEvent(ctx context.Context, body []byte, signature string) (velro.PaymentResult, error) {
	if s.cfg.Events == nil {
		return velro.PaymentResult{}, errPaymentsOff
	}
	ev, err := s.cfg.Events.Parse(body, signature)
	if err != nil {
		return velro.PaymentResult{}, err
	}
	var res velro.PaymentResult
	switch {
	case ev.Type == velro.EventCheckoutCompleted || ev.Type == velro.EventCheckoutAsyncSucceed:
		pack, _ := s.cfg.Packs.Find(ev.PackID)
		res, _, err = s.store.CompleteCheckout(ctx, ev, pack)
	case ev.Type == velro.EventChargeRefunded && ev.PaymentIntent != "":
		res, _, err = s.store.RefundPayment(ctx, ev)
	default:
		return velro.PaymentResult{Outcome: velro.PaymentIgnored}, nil
	}
	if err != nil {
		return res, err
	}
	if res.Outcome == velro.PaymentRejected {
		s.cfg.Log.WarnContext(ctx, "payments: a paid event credited nothing", "event", ev.ID, "session", ev.SessionID, "reason", res.Reason)
	}
	if res.Purchase != nil {
		s.mu.RLock()
		defer s.mu.RUnlock()
		for _, fn := range s.subscribers {
			fn(ctx, *res.Purchase)
		}
	}
	return res, nil
}

// List returns a page of checkouts, newest first: admins only.
func (s *Payments) List(ctx context.Context, actor uuid.UUID, page velro.Page) ([]*velro.Checkout, int, error) {
	if _, err := s.cfg.Admins.RequireAdmin(ctx, actor, "list payments"); err != nil {
		return nil, 0, err
	}
	return s.store.ListCheckouts(ctx, page)
}
