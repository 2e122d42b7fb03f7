package velro

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// TransactionType says why credits moved.
type TransactionType string

// Credit transaction types.
const (
	CreditBonus    TransactionType = "bonus"
	CreditUsage    TransactionType = "usage"
	CreditRefund   TransactionType = "refund"
	CreditPurchase TransactionType = "purchase"
	CreditGrant    TransactionType = "grant"
)

// CreditTransaction is one ledger entry. Amounts are signed; the amounts of
// all of a user's entries sum to the user's balance, and BalanceAfter is the
// balance right after this entry.
type CreditTransaction struct {
	ID           uuid.UUID       `json:"id"`
	UserID       uuid.UUID       `json:"-"`
	Type         TransactionType `json:"transaction_type" enum:"bonus,usage,refund,purchase,grant"`
	Amount       int64           `json:"amount"`
	BalanceAfter int64           `json:"balance_after"`
	Description  string          `json:"description"`
	GenerationID *uuid.UUID      `json:"generation_id,omitempty"`
	// Reference names where credits came from: the Stripe Checkout
	// Session of a purchase and of its refunds.
	Reference string    `json:"reference,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// CreditReader reads the ledger. Entries are only ever written by the
// store operations that move credits, in the same transaction as the
// balance.
type CreditReader interface {
	// ListCreditTransactions returns a page of the user's entries, newest
	// first, and the total number of entries.
	ListCreditTransactions(ctx context.Context, userID uuid.UUID, page Page) ([]*CreditTransaction, int, error)
	// LedgerSum returns the sum of the user's ledger amounts; it equals the
	// user's balance (an invariant the conformance suite checks).
	LedgerSum(ctx context.Context, userID uuid.UUID) (int64, error)
	// CreditStats summarises the user's ledger since a time.
	CreditStats(ctx context.Context, userID uuid.UUID, since time.Time) (CreditStats, error)
}

// CreditWriter grants credits.
type CreditWriter interface {
	// GrantCredits adds credits to a user with a "grant" entry.
	GrantCredits(ctx context.Context, userID uuid.UUID, amount int64, description string) (*CreditTransaction, Effects, error)
}

// CreditStats summarise a user's ledger over a period.
type CreditStats struct {
	CurrentBalance   int64 `json:"current_balance"`
	PeriodDays       int   `json:"period_days"`
	TotalSpent       int64 `json:"total_spent" doc:"Credits spent on generations in the period, net of refunds"`
	TotalPurchased   int64 `json:"total_purchased" doc:"Credits purchased or granted in the period, net of refunded payments"`
	PurchaseCount    int   `json:"purchase_count" doc:"Packs bought (and credited) in the period"`
	GenerationCount  int   `json:"generation_count" doc:"Generations submitted in the period"`
	TransactionCount int   `json:"transaction_count"`
}
