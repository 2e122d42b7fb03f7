-- +goose Up
-- A hash of the canonical request an Idempotency-Key was first used with:
-- the same key with another request is refused. NULL for generations
-- submitted before it was kept (they replay as before).
ALTER TABLE generations ADD COLUMN request_hash text;

-- +goose Down
ALTER TABLE generations DROP COLUMN request_hash;
