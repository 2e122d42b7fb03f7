-- +goose Up
-- Where credits came from: a purchase's ledger entry names its Stripe
-- Checkout Session, and a session is credited once, whatever the number
-- of deliveries of its event.
ALTER TABLE credit_transactions ADD COLUMN reference text NOT NULL DEFAULT '';
-- (Its unique index is built by 00101.)

-- Each checkout as created: a paid session is credited from this row, so
-- later changes to the packs never change what it is worth. No foreign
-- key: payments outlive the accounts that made them.
CREATE TABLE checkouts (
    session_id          text PRIMARY KEY,
    user_id             uuid NOT NULL,
    pack_id             text NOT NULL,
    credits             bigint NOT NULL CHECK (credits > 0),
    amount              bigint NOT NULL CHECK (amount > 0),
    currency            text NOT NULL,
    status              text NOT NULL CHECK (status IN ('open', 'paid', 'rejected')),
    payment_intent      text,
    amount_refunded     bigint NOT NULL DEFAULT 0,
    credits_refunded    bigint NOT NULL DEFAULT 0,
    credits_unrecovered bigint NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL,
    completed_at        timestamptz
);
CREATE UNIQUE INDEX checkouts_payment_intent ON checkouts (payment_intent) WHERE payment_intent IS NOT NULL;
CREATE INDEX checkouts_created ON checkouts (created_at DESC, session_id);

-- The most refunded of each payment yet (Stripe's amount_refunded is
-- cumulative), kept even before the payment's checkout completes.
CREATE TABLE payment_refunds (
    payment_intent  text PRIMARY KEY,
    amount          bigint NOT NULL,
    amount_refunded bigint NOT NULL,
    updated_at      timestamptz NOT NULL
);

-- +goose Down
DROP TABLE payment_refunds;
DROP TABLE checkouts;
ALTER TABLE credit_transactions DROP COLUMN reference;
