-- +goose Up
-- Each submit counts the user's generations in flight (the cap of active
-- generations per user).
CREATE INDEX generations_active ON generations (user_id) WHERE status IN ('pending', 'processing');

-- +goose Down
DROP INDEX generations_active;
