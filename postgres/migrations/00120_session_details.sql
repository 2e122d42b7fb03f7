-- +goose Up
-- What the account's owner sees of each session: how it signed in, whether
-- it passed a second factor, and the client it began on.
ALTER TABLE sessions ADD COLUMN method text NOT NULL DEFAULT 'password';
ALTER TABLE sessions ADD COLUMN mfa boolean NOT NULL DEFAULT false;
ALTER TABLE sessions ADD COLUMN ip text NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN user_agent text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE sessions DROP COLUMN user_agent;
ALTER TABLE sessions DROP COLUMN ip;
ALTER TABLE sessions DROP COLUMN mfa;
ALTER TABLE sessions DROP COLUMN method;
