-- +goose Up
-- Finds generations whose jobs were lost (see generate.Reaper).
CREATE INDEX generations_in_flight ON generations (updated_at) WHERE status IN ('pending', 'processing');

-- +goose Down
DROP INDEX generations_in_flight;
