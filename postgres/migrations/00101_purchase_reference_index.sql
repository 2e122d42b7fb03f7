-- +goose NO TRANSACTION
-- Built concurrently, outside a transaction, so ledger writes go on
-- meanwhile (see Migrate in postgres.go); the drop first clears an index a
-- failed build left invalid, so a retry starts clean.

-- +goose Up
-- A Checkout Session is credited once, whatever the number of deliveries
-- of its event.
DROP INDEX CONCURRENTLY IF EXISTS credit_transactions_purchase;
CREATE UNIQUE INDEX CONCURRENTLY credit_transactions_purchase ON credit_transactions (reference)
    WHERE transaction_type = 'purchase' AND reference <> '';

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS credit_transactions_purchase;
