-- +goose Up
-- A Checkout Session is credited once, whatever the number of deliveries
-- of its event.
CREATE UNIQUE INDEX credit_transactions_purchase ON credit_transactions (reference)
    WHERE transaction_type = 'purchase' AND reference <> '';

-- +goose Down
DROP INDEX credit_transactions_purchase;
