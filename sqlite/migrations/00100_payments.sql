-- +goose Up
-- Where credits came from: a purchase's ledger entry names its Stripe
-- Checkout Session, and a session is credited once, whatever the number
-- of deliveries of its event.
ALTER TABLE credit_transactions ADD COLUMN reference TEXT NOT NULL DEFAULT '';
-- (Its unique index is built by 00101.)

-- Each checkout as created: a paid session is credited from this row, so
-- later changes to the packs never change what it is worth. No foreign
-- key: payments outlive the accounts that made them.
CREATE TABLE checkouts (
    session_id          TEXT PRIMARY KEY,
    user_id             TEXT NOT NULL,
    pack_id             TEXT NOT NULL,
    credits             INTEGER NOT NULL CHECK (credits > 0),
    amount              INTEGER NOT NULL CHECK (amount > 0),
    currency            TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('open', 'paid', 'rejected')),
    payment_intent      TEXT,
    amount_refunded     INTEGER NOT NULL DEFAULT 0,
    credits_refunded    INTEGER NOT NULL DEFAULT 0,
    credits_unrecovered INTEGER NOT NULL DEFAULT 0,
    created_at          TIMESTAMP NOT NULL,
    completed_at        TIMESTAMP
);
CREATE UNIQUE INDEX checkouts_payment_intent ON checkouts (payment_intent) WHERE payment_intent IS NOT NULL;
CREATE INDEX checkouts_created ON checkouts (created_at DESC, session_id);

-- The most refunded of each payment yet (Stripe's amount_refunded is
-- cumulative), kept even before the payment's checkout completes.
CREATE TABLE payment_refunds (
    payment_intent  TEXT PRIMARY KEY,
    amount          INTEGER NOT NULL,
    amount_refunded INTEGER NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE payment_refunds;
DROP TABLE checkouts;
ALTER TABLE credit_transactions DROP COLUMN reference;
