-- +goose Up
CREATE TABLE users (
    id              uuid PRIMARY KEY,
    email           text NOT NULL UNIQUE,
    password_hash   text NOT NULL,
    full_name       text NOT NULL DEFAULT '',
    avatar_url      text NOT NULL DEFAULT '',
    role            text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    credits_balance bigint NOT NULL DEFAULT 0 CHECK (credits_balance >= 0),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE TABLE sessions (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    counter      bigint NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL,
    refreshed_at timestamptz NOT NULL,
    revoked_at   timestamptz
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE credit_transactions (
    id               uuid PRIMARY KEY,
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    transaction_type text NOT NULL CHECK (transaction_type IN ('bonus', 'usage', 'refund', 'purchase', 'grant')),
    amount           bigint NOT NULL,
    balance_after    bigint NOT NULL CHECK (balance_after >= 0),
    description      text NOT NULL DEFAULT '',
    generation_id    uuid,
    created_at       timestamptz NOT NULL
);
CREATE INDEX credit_transactions_user ON credit_transactions (user_id, created_at DESC, id DESC);

-- Key material every instance shares: token signing keys, HMAC keys.
CREATE TABLE secrets (
    name       text PRIMARY KEY,
    value      bytea NOT NULL,
    created_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE secrets;
DROP TABLE credit_transactions;
DROP TABLE sessions;
DROP TABLE users;
