package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

const creditColumns = `id, user_id, transaction_type, amount, balance_after, description, generation_id, reference, created_at`

// addCredits is the one place credits move: it changes the balance by a
// signed amount with a conditional update that never lets it go below zero,
// and writes the ledger entry in the same transaction. EPAYMENT when the
// balance does not cover a negative amount.
func addCredits(ctx context.Context, tx Querier, userID uuid.UUID, kind velro.TransactionType, amount int64,
	description string, generationID *uuid.UUID, reference string, now time.Time) (*velro.CreditTransaction, error) {
	entry := &velro.CreditTransaction{ID: velro.NewID(), UserID: userID, Type: kind, Amount: amount,
		Description: description, GenerationID: generationID, Reference: reference, CreatedAt: now}
	err := tx.QueryRow(ctx, `UPDATE users SET credits_balance = credits_balance + $2
		WHERE id = $1 AND credits_balance + $2 >= 0 RETURNING credits_balance`, userID, amount).Scan(&entry.BalanceAfter)
	if errors.Is(err, ErrNoRows) {
		return nil, velro.Errorf(velro.EPAYMENT, "Insufficient credits.")
	} else if err != nil {
		return nil, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO credit_transactions (`+creditColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		entry.ID, userID, kind, amount, entry.BalanceAfter, description, uuidOrNil(generationID), reference, now)
	return entry, err
}

func scanCredit(r Row) (*velro.CreditTransaction, error) {
	var t velro.CreditTransaction
	var gen uuid.NullUUID
	if err := r.Scan(&t.ID, &t.UserID, &t.Type, &t.Amount, &t.BalanceAfter, &t.Description, &gen, &t.Reference, utc{&t.CreatedAt}); err != nil {
		return nil, err
	}
	if gen.Valid {
		t.GenerationID = &gen.UUID
	}
	return &t, nil
}

// uuidOrNil passes a nil *uuid.UUID as SQL NULL.
func uuidOrNil(id *uuid.UUID) any {
	if id == nil {
		return nil
	}
	return *id
}

// ListCreditTransactions implements velro.Store.
func (s *Store) ListCreditTransactions(ctx context.Context, userID uuid.UUID, page velro.Page) (list []*velro.CreditTransaction, total int, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		if err := q.QueryRow(ctx, `SELECT count(*) FROM credit_transactions WHERE user_id = $1`, userID).Scan(&total); err != nil {
			return err
		}
		rows, err := q.Query(ctx, `SELECT `+creditColumns+` FROM credit_transactions WHERE user_id = $1
			ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`, userID, page.Limit, page.Offset)
		if err != nil {
			return err
		}
		list, err = collect(rows, scanCredit)
		return err
	})
	return list, total, err
}

// LedgerSum implements velro.Store.
func (s *Store) LedgerSum(ctx context.Context, userID uuid.UUID) (sum int64, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		return q.QueryRow(ctx, `SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM credit_transactions WHERE user_id = $1`, userID).Scan(&sum)
	})
	return sum, err
}

// CreditStats implements velro.Store.
func (s *Store) CreditStats(ctx context.Context, userID uuid.UUID, since time.Time) (st velro.CreditStats, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		var spent int64
		// A refund with a reference takes back a purchase (a payment
		// refunded); one without returns a generation's cost.
		if err := q.QueryRow(ctx, `SELECT
			CAST(COALESCE(SUM(CASE WHEN transaction_type = 'usage' OR (transaction_type = 'refund' AND reference = '') THEN amount ELSE 0 END), 0) AS BIGINT),
			CAST(COALESCE(SUM(CASE WHEN transaction_type IN ('purchase', 'grant') OR (transaction_type = 'refund' AND reference <> '') THEN amount ELSE 0 END), 0) AS BIGINT),
			count(*),
			count(CASE WHEN transaction_type = 'purchase' THEN 1 END)
			FROM credit_transactions WHERE user_id = $1 AND created_at >= $2`, userID, at(since)).
			Scan(&spent, &st.TotalPurchased, &st.TransactionCount, &st.PurchaseCount); err != nil {
			return err
		}
		st.TotalSpent = -spent
		if err := q.QueryRow(ctx, `SELECT count(*) FROM generations WHERE user_id = $1 AND created_at >= $2`, userID, at(since)).
			Scan(&st.GenerationCount); err != nil {
			return err
		}
		return q.QueryRow(ctx, `SELECT credits_balance FROM users WHERE id = $1`, userID).Scan(&st.CurrentBalance)
	})
	return st, err
}

// GrantCredits implements velro.Store.
func (s *Store) GrantCredits(ctx context.Context, userID uuid.UUID, amount int64, description string) (entry *velro.CreditTransaction, eff velro.Effects, err error) {
	if amount <= 0 {
		return nil, velro.Effects{}, velro.Invalid("amount", "must be positive")
	}
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		if err := exists(ctx, tx, `SELECT 1 FROM users WHERE id = $1`, userID, "User"); err != nil {
			return err
		}
		if entry, err = addCredits(ctx, tx, userID, velro.CreditGrant, amount, description, nil, "", velro.Now()); err != nil {
			return err
		}
		eff = velro.Effects{Users: []uuid.UUID{userID}}
		return audit(ctx, tx, event(velro.AuditCreditsGranted, "user", userID, map[string]any{"amount": amount, "description": description}))
	})
	return entry, eff, err
}
