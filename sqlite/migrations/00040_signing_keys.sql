-- +goose Up
-- Access-token signing keys: the current one (retired_at NULL) signs;
-- retired ones verify the tokens they signed until those expire. The key
-- kept in secrets until now becomes the first, so its tokens stay valid.
CREATE TABLE signing_keys (
    id         INTEGER PRIMARY KEY,
    seed       BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP
);
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys ((retired_at IS NULL)) WHERE retired_at IS NULL;
INSERT INTO signing_keys (seed, created_at) SELECT value, created_at FROM secrets WHERE name = 'jwt_ed25519_seed';
DELETE FROM secrets WHERE name = 'jwt_ed25519_seed';

-- +goose Down
INSERT INTO secrets (name, value, created_at) SELECT 'jwt_ed25519_seed', seed, created_at FROM signing_keys WHERE retired_at IS NULL;
DROP TABLE signing_keys;
