-- +goose Up
-- Reference images, the generation a variation comes from, when rendering
-- started, and what the outputs take in storage.
ALTER TABLE generations ADD COLUMN reference_upload_ids TEXT NOT NULL DEFAULT '[]';
ALTER TABLE generations ADD COLUMN parent_generation_id TEXT REFERENCES generations (id) ON DELETE SET NULL;
ALTER TABLE generations ADD COLUMN started_at TIMESTAMP;
ALTER TABLE generations ADD COLUMN output_bytes INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE generations DROP COLUMN output_bytes;
ALTER TABLE generations DROP COLUMN started_at;
ALTER TABLE generations DROP COLUMN parent_generation_id;
ALTER TABLE generations DROP COLUMN reference_upload_ids;
