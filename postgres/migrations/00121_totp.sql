-- +goose Up
-- TOTP second factors: the secret (base32), confirmed once a code matched,
-- and the time step of the last code accepted (a code works once).
CREATE TABLE user_totp (
    user_id      uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       text NOT NULL,
    last_step    bigint NOT NULL DEFAULT 0,
    confirmed_at timestamptz,
    created_at   timestamptz NOT NULL
);
-- Recovery codes: only their SHA-256; each works once.
CREATE TABLE recovery_codes (
    code_hash  text NOT NULL,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    used_at    timestamptz,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);
-- The step between a password and a session for accounts with a second
-- factor: only the token's SHA-256; single use, short-lived, a few tries.
CREATE TABLE mfa_challenges (
    token_hash text PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    method     text NOT NULL,
    failures   integer NOT NULL DEFAULT 0,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL
);
CREATE INDEX mfa_challenges_user ON mfa_challenges (user_id);
CREATE INDEX mfa_challenges_expires ON mfa_challenges (expires_at);
ALTER TABLE users ADD COLUMN mfa_enabled_at timestamptz;

-- +goose Down
ALTER TABLE users DROP COLUMN mfa_enabled_at;
DROP TABLE mfa_challenges;
DROP TABLE recovery_codes;
DROP TABLE user_totp;
