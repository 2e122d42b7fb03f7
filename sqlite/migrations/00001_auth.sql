-- +goose Up
CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    password_hash   TEXT NOT NULL,
    full_name       TEXT NOT NULL DEFAULT '',
    avatar_url      TEXT NOT NULL DEFAULT '',
    role            TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    credits_balance INTEGER NOT NULL DEFAULT 0 CHECK (credits_balance >= 0),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    counter      INTEGER NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL,
    refreshed_at TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE credit_transactions (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    transaction_type TEXT NOT NULL CHECK (transaction_type IN ('bonus', 'usage', 'refund', 'purchase', 'grant')),
    amount           INTEGER NOT NULL,
    balance_after    INTEGER NOT NULL CHECK (balance_after >= 0),
    description      TEXT NOT NULL DEFAULT '',
    generation_id    TEXT,
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX credit_transactions_user ON credit_transactions (user_id, created_at DESC, id DESC);

-- Key material every instance shares: token signing keys, HMAC keys.
CREATE TABLE secrets (
    name       TEXT PRIMARY KEY,
    value      BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE secrets;
DROP TABLE credit_transactions;
DROP TABLE sessions;
DROP TABLE users;
