-- +goose Up
-- A verified address (a verification or password-reset link was used) and
-- a disabled account (its sessions end; it cannot log in).
ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMP;
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMP;

-- Tokens of the links in mails: only their SHA-256 is stored. Single-use
-- (used_at) and expiring.
CREATE TABLE account_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('password_reset', 'email_verification')),
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);

-- Moves on with every write that changes what may use an account (role,
-- disabled, password, verification, deletion): another process on the same
-- file (the CLI) tells running servers through it (sqlite.Watch).
CREATE TABLE account_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO account_epoch (id, value) VALUES (1, 0);

-- +goose Down
DROP TABLE account_epoch;
DROP TABLE account_tokens;
ALTER TABLE users DROP COLUMN disabled_at;
ALTER TABLE users DROP COLUMN email_verified_at;
