package guard

import (
	"context"

	"github.com/velro-ai/velro"
)

// The writes of payments. A credited or refunded payment changes the
// account's balance: its row's caches go.

// CreateCheckout implements velro.Store.
func (s *Store) CreateCheckout(ctx context.Context, c *velro.Checkout) (velro.Effects, error) {
	eff, err := s.raw.CreateCheckout(ctx, c)
	return eff, s.publish(ctx, eff, err)
}

// CompleteCheckout implements velro.Store.
func (s *Store) CompleteCheckout(ctx context.Context, ev velro.PaymentEvent, fallback velro.CreditPack) (velro.PaymentResult, velro.Effects, error) {
	v, eff, err := s.raw.CompleteCheckout(ctx, ev, fallback)
	return v, eff, s.publish(ctx, eff, err)
}

// RefundPayment implements velro.Store.
func (s *Store) RefundPayment(ctx context.Context, ev velro.PaymentEvent) (velro.PaymentResult, velro.Effects, error) {
	v, eff, err := s.raw.RefundPayment(ctx, ev)
	return v, eff, s.publish(ctx, eff, err)
}
