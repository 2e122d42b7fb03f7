-- +goose Up
-- TOTP second factors: the secret (base32), confirmed once a code matched,
-- and the time step of the last code accepted (a code works once).
CREATE TABLE user_totp (
    user_id      TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       TEXT NOT NULL,
    last_step    INTEGER NOT NULL DEFAULT 0,
    confirmed_at TIMESTAMP,
    created_at   TIMESTAMP NOT NULL
);
-- Recovery codes: only their SHA-256; each works once.
CREATE TABLE recovery_codes (
    code_hash  TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    used_at    TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);
-- The step between a password and a session for accounts with a second
-- factor: only the token's SHA-256; single use, short-lived, a few tries.
CREATE TABLE mfa_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    method     TEXT NOT NULL,
    failures   INTEGER NOT NULL DEFAULT 0,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX mfa_challenges_user ON mfa_challenges (user_id);
CREATE INDEX mfa_challenges_expires ON mfa_challenges (expires_at);
ALTER TABLE users ADD COLUMN mfa_enabled_at TIMESTAMP;

-- +goose Down
ALTER TABLE users DROP COLUMN mfa_enabled_at;
DROP TABLE mfa_challenges;
DROP TABLE recovery_codes;
DROP TABLE user_totp;
