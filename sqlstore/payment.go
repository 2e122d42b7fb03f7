package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// Payments. Each Stripe event is one transaction that takes its row locks
// in one order, so concurrent deliveries (of the same event to two
// instances, or of a payment's completion and its refund) serialise
// instead of deadlocking: the payment's refund row, then its checkout,
// then the account (by the ledger's conditional update). A lock is taken
// by an UPDATE ... RETURNING, which on PostgreSQL waits for a concurrent
// holder and then returns the row as it committed; SQLite's single writer
// runs one transaction at a time.

const checkoutColumns = `session_id, user_id, pack_id, credits, amount, currency, status, amount_refunded,
	credits_refunded, credits_unrecovered, created_at, completed_at`

func scanCheckout(r Row) (*velro.Checkout, error) {
	var c velro.Checkout
	err := r.Scan(&c.SessionID, &c.UserID, &c.PackID, &c.Credits, &c.Amount, &c.Currency, &c.Status, &c.AmountRefunded,
		&c.CreditsRefunded, &c.CreditsUnrecovered, utc{&c.CreatedAt}, nullUTC{&c.CompletedAt})
	return &c, err
}

// CreateCheckout implements velro.Store. A session id Stripe gives again
// (only a Stripe-compatible test server does) replaces its row while the
// row is unpaid. Checkouts are not cached: no effects.
func (s *Store) CreateCheckout(ctx context.Context, c *velro.Checkout) (velro.Effects, error) {
	c.Status, c.CreatedAt = velro.CheckoutOpen, velro.Now()
	return velro.Effects{}, s.write(ctx, func(ctx context.Context, tx Querier) error {
		n, err := tx.Exec(ctx, `INSERT INTO checkouts (session_id, user_id, pack_id, credits, amount, currency, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (session_id) DO UPDATE SET user_id = excluded.user_id, pack_id = excluded.pack_id, credits = excluded.credits,
				amount = excluded.amount, currency = excluded.currency, created_at = excluded.created_at
			WHERE checkouts.status = 'open'`,
			c.SessionID, c.UserID, c.PackID, c.Credits, c.Amount, c.Currency, c.Status, c.CreatedAt)
		if err != nil {
			return err
		} else if n == 0 {
			return velro.Errorf(velro.ECONFLICT, "Stripe gave the id of a checkout already paid.")
		}
		return audit(ctx, tx, event(velro.AuditCheckoutCreated, "user", c.UserID, map[string]any{
			"session_id": c.SessionID, "pack_id": c.PackID, "credits": c.Credits, "amount": c.Amount, "currency": c.Currency}))
	})
}

// ListCheckouts implements velro.Store.
func (s *Store) ListCheckouts(ctx context.Context, page velro.Page) (list []*velro.Checkout, total int, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		if err := q.QueryRow(ctx, `SELECT count(*) FROM checkouts`).Scan(&total); err != nil {
			return err
		}
		rows, err := q.Query(ctx, `SELECT `+checkoutColumns+` FROM checkouts ORDER BY created_at DESC, session_id LIMIT $1 OFFSET $2`,
			page.Limit, page.Offset)
		if err != nil {
			return err
		}
		list, err = collect(rows, scanCheckout)
		return err
	})
	return list, total, err
}

// paymentAudit records what an event did, in its transaction.
func paymentAudit(ctx context.Context, tx Querier, ev velro.PaymentEvent, userID uuid.UUID, res velro.PaymentResult, details map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	details["event_id"], details["event_type"], details["outcome"] = ev.ID, ev.Type, string(res.Outcome)
	if ev.SessionID != "" {
		details["session_id"] = ev.SessionID
	}
	if ev.PaymentIntent != "" {
		details["payment_intent"] = ev.PaymentIntent
	}
	if res.Reason != "" {
		details["reason"] = res.Reason
	}
	a := velro.AuditEvent{Action: velro.AuditPaymentEvent, TargetType: "user", Details: details}
	if userID != uuid.Nil {
		a.TargetID = &userID
	}
	return audit(ctx, tx, a)
}

// lockRefunds takes the lock of a payment's refund row (made if missing)
// and returns the most refunded of it yet and the charge's amount.
func lockRefunds(ctx context.Context, tx Querier, ev velro.PaymentEvent) (amount, refunded int64, err error) {
	err = tx.QueryRow(ctx, `INSERT INTO payment_refunds (payment_intent, amount, amount_refunded, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (payment_intent) DO UPDATE SET
			amount = CASE WHEN excluded.amount > 0 THEN excluded.amount ELSE payment_refunds.amount END,
			amount_refunded = CASE WHEN excluded.amount_refunded > payment_refunds.amount_refunded
				THEN excluded.amount_refunded ELSE payment_refunds.amount_refunded END,
			updated_at = excluded.updated_at
		RETURNING amount, amount_refunded`, ev.PaymentIntent, ev.ChargeAmount, ev.AmountRefunded, velro.Now()).Scan(&amount, &refunded)
	return amount, refunded, err
}

// lockCheckout takes a checkout's row lock and returns it as committed.
func lockCheckout(ctx context.Context, tx Querier, column, value string) (*velro.Checkout, error) {
	c, err := scanCheckout(tx.QueryRow(ctx, `UPDATE checkouts SET status = status WHERE `+column+` = $1 RETURNING `+checkoutColumns, value))
	if errors.Is(err, ErrNoRows) {
		return nil, nil
	}
	return c, err
}

// CompleteCheckout implements velro.Store.
func (s *Store) CompleteCheckout(ctx context.Context, ev velro.PaymentEvent, fallback velro.CreditPack) (res velro.PaymentResult, eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		res, eff = velro.PaymentResult{}, velro.Effects{}
		buyer, berr := uuid.Parse(ev.ClientReferenceID)
		reject := func(reason string, details map[string]any) error {
			res = velro.PaymentResult{Outcome: velro.PaymentRejected, Reason: reason}
			return paymentAudit(ctx, tx, ev, buyer, res, details)
		}
		switch {
		case berr != nil || ev.ClientReferenceID != ev.MetadataUserID:
			buyer = uuid.Nil
			return reject("buyer_mismatch", map[string]any{"client_reference_id": ev.ClientReferenceID, "metadata_user_id": ev.MetadataUserID})
		case ev.PaymentStatus != "paid":
			res.Outcome = velro.PaymentPending
			return paymentAudit(ctx, tx, ev, buyer, res, map[string]any{"payment_status": ev.PaymentStatus})
		}
		var refundAmount, refunded int64
		if ev.PaymentIntent != "" {
			if refundAmount, refunded, err = lockRefunds(ctx, tx, velro.PaymentEvent{PaymentIntent: ev.PaymentIntent}); err != nil {
				return err
			}
		}
		if fallback.ID != "" {
			if _, err := tx.Exec(ctx, `INSERT INTO checkouts (session_id, user_id, pack_id, credits, amount, currency, status, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, 'open', $7) ON CONFLICT (session_id) DO NOTHING`,
				ev.SessionID, buyer, fallback.ID, fallback.Credits, fallback.Amount, fallback.Currency, velro.Now()); err != nil {
				return err
			}
		}
		c, err := lockCheckout(ctx, tx, "session_id", ev.SessionID)
		switch {
		case err != nil:
			return err
		case c == nil:
			return reject("unknown_pack", map[string]any{"pack_id": ev.PackID})
		case c.Status != velro.CheckoutOpen: // credited, or refused, before
			res.Outcome = velro.PaymentDuplicate
			return paymentAudit(ctx, tx, ev, buyer, res, map[string]any{"status": string(c.Status)})
		case c.UserID != buyer:
			return reject("buyer_mismatch", map[string]any{"checkout_user_id": c.UserID})
		}
		now := velro.Now()
		settle := func(status velro.CheckoutStatus) error {
			_, err := tx.Exec(ctx, `UPDATE checkouts SET status = $2, payment_intent = $3, completed_at = $4 WHERE session_id = $1`,
				c.SessionID, status, nullIfEmpty(ev.PaymentIntent), now)
			return err
		}
		if c.Amount != ev.AmountTotal || c.Currency != ev.Currency {
			if err := settle(velro.CheckoutRejected); err != nil {
				return err
			}
			return reject("amount_mismatch", map[string]any{"expected_amount": c.Amount, "expected_currency": c.Currency,
				"amount_total": ev.AmountTotal, "currency": ev.Currency})
		}
		entry, err := addCredits(ctx, tx, buyer, velro.CreditPurchase, c.Credits, fmt.Sprintf("Purchase of the %s pack", c.PackID), nil, c.SessionID, now)
		if velro.ErrorCode(err) == velro.EPAYMENT { // no such account: it was deleted
			if err := settle(velro.CheckoutRejected); err != nil {
				return err
			}
			return reject("account_deleted", map[string]any{"credits": c.Credits})
		} else if err != nil {
			return err
		}
		if err := settle(velro.CheckoutPaid); err != nil {
			return err
		}
		res.Outcome = velro.PaymentCredited
		res.Purchase = &velro.CreditsPurchased{UserID: buyer, Credits: c.Credits, PackID: c.PackID, Balance: entry.BalanceAfter, Reference: c.SessionID, At: now}
		eff = velro.Effects{Users: []uuid.UUID{buyer}}
		if err := paymentAudit(ctx, tx, ev, buyer, res, map[string]any{"credits": c.Credits, "amount": c.Amount, "currency": c.Currency}); err != nil {
			return err
		}
		if refunded == 0 {
			return nil
		}
		// A refund arrived before this completion: net it now.
		c.Status = velro.CheckoutPaid
		refund, err := settleRefund(ctx, tx, c, refundAmount, refunded)
		if err != nil {
			return err
		}
		res.Purchase.Balance -= refund.taken
		return paymentAudit(ctx, tx, velro.PaymentEvent{ID: ev.ID, Type: ev.Type, SessionID: c.SessionID, PaymentIntent: ev.PaymentIntent},
			buyer, velro.PaymentResult{Outcome: velro.PaymentRefunded}, refund.details())
	})
	if err != nil && !errors.Is(err, velro.ErrMaybeCommitted) {
		res = velro.PaymentResult{}
	}
	return res, eff, err
}

// RefundPayment implements velro.Store.
func (s *Store) RefundPayment(ctx context.Context, ev velro.PaymentEvent) (res velro.PaymentResult, eff velro.Effects, err error) {
	if ev.PaymentIntent == "" {
		return res, eff, velro.Invalid("payment_intent", "is missing")
	}
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		res, eff = velro.PaymentResult{}, velro.Effects{}
		amount, refunded, err := lockRefunds(ctx, tx, ev)
		if err != nil {
			return err
		}
		c, err := lockCheckout(ctx, tx, "payment_intent", ev.PaymentIntent)
		if err != nil {
			return err
		}
		if c == nil || c.Status != velro.CheckoutPaid {
			// Before its completion (netted then), or of a payment that
			// credited nothing.
			res.Outcome = velro.PaymentRecorded
			var user uuid.UUID
			if c != nil {
				user = c.UserID
			}
			return paymentAudit(ctx, tx, ev, user, res, map[string]any{"amount_refunded": refunded})
		}
		refund, err := settleRefund(ctx, tx, c, amount, refunded)
		if err != nil {
			return err
		}
		res.Outcome = velro.PaymentRefunded
		if refund.taken > 0 {
			eff = velro.Effects{Users: []uuid.UUID{c.UserID}}
		}
		ev.SessionID = c.SessionID
		return paymentAudit(ctx, tx, ev, c.UserID, res, refund.details())
	})
	if err != nil && !errors.Is(err, velro.ErrMaybeCommitted) {
		res = velro.PaymentResult{}
	}
	return res, eff, err
}

// refundSettled is what one refund event took back.
type refundSettled struct {
	amountRefunded, due, taken, unrecovered int64
}

func (r refundSettled) details() map[string]any {
	return map[string]any{"amount_refunded": r.amountRefunded, "credits_due": r.due, "credits_taken": r.taken, "credits_unrecovered": r.unrecovered}
}

// RefundedCredits is the share of credits a refund takes back: refunded
// over amount of them, rounded up, never more than all.
func RefundedCredits(credits, amount, refunded int64) int64 {
	if amount <= 0 || refunded >= amount {
		return credits
	}
	if refunded <= 0 {
		return 0
	}
	return (refunded*credits + amount - 1) / amount
}

// settleRefund takes back what the refunds of a paid checkout are due
// beyond what was already accounted for, at most the balance; the rest is
// unrecovered (audited). Each refunded amount is counted once: the
// checkout keeps the credits accounted for.
func settleRefund(ctx context.Context, tx Querier, c *velro.Checkout, amount, refunded int64) (r refundSettled, err error) {
	if amount <= 0 {
		amount = c.Amount
	}
	r.amountRefunded = refunded
	target := RefundedCredits(c.Credits, amount, refunded)
	if r.due = target - c.CreditsRefunded; r.due <= 0 {
		r.due = 0
		return r, nil
	}
	var balance int64
	err = tx.QueryRow(ctx, `UPDATE users SET credits_balance = credits_balance WHERE id = $1 RETURNING credits_balance`, c.UserID).Scan(&balance)
	if err != nil && !errors.Is(err, ErrNoRows) {
		return r, err
	}
	r.taken = min(r.due, balance) // a deleted account holds nothing
	r.unrecovered = r.due - r.taken
	if r.taken > 0 {
		if _, err := addCredits(ctx, tx, c.UserID, velro.CreditRefund, -r.taken, fmt.Sprintf("Payment refunded: the %s pack", c.PackID), nil, c.SessionID, velro.Now()); err != nil {
			return r, err
		}
	}
	_, err = tx.Exec(ctx, `UPDATE checkouts SET amount_refunded = $2, credits_refunded = $3, credits_unrecovered = credits_unrecovered + $4
		WHERE session_id = $1`, c.SessionID, refunded, target, r.unrecovered)
	return r, err
}

// nullIfEmpty passes "" as SQL NULL.
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
