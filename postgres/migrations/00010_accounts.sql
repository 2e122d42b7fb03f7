-- +goose Up
-- A verified address (a verification or password-reset link was used) and
-- a disabled account (its sessions end; it cannot log in).
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
ALTER TABLE users ADD COLUMN disabled_at timestamptz;

-- Tokens of the links in mails: only their SHA-256 is stored. Single-use
-- (used_at) and expiring.
CREATE TABLE account_tokens (
    token_hash text PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('password_reset', 'email_verification')),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);

-- Moves on with every write that changes what may use an account. Only
-- SQLite servers watch it (PostgreSQL carries such changes on the bus); it
-- is kept on both engines so the stores stay one SQL.
CREATE TABLE account_epoch (
    id    integer PRIMARY KEY CHECK (id = 1),
    value bigint NOT NULL
);
INSERT INTO account_epoch (id, value) VALUES (1, 0);

-- +goose Down
DROP TABLE account_epoch;
DROP TABLE account_tokens;
ALTER TABLE users DROP COLUMN disabled_at;
ALTER TABLE users DROP COLUMN email_verified_at;
