-- +goose NO TRANSACTION
-- Built concurrently, outside a transaction, so submits go on meanwhile
-- (see Migrate in postgres.go); the drop first clears an index a failed
-- build left invalid, so a retry starts clean.

-- +goose Up
-- Each submit counts the user's generations in flight (the cap of active
-- generations per user).
DROP INDEX CONCURRENTLY IF EXISTS generations_active;
CREATE INDEX CONCURRENTLY generations_active ON generations (user_id) WHERE status IN ('pending', 'processing');

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS generations_active;
