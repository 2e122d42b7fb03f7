-- +goose NO TRANSACTION
-- Built concurrently, outside a transaction, so writes go on meanwhile
-- (see Migrate in postgres.go); the drop first clears an index a failed
-- build left invalid, so a retry starts clean.

-- +goose Up
-- Finds generations whose jobs were lost (see generate.Reaper).
DROP INDEX CONCURRENTLY IF EXISTS generations_in_flight;
CREATE INDEX CONCURRENTLY generations_in_flight ON generations (updated_at) WHERE status IN ('pending', 'processing');

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS generations_in_flight;
