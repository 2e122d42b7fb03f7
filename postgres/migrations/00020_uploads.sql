-- +goose Up
-- What a user's uploads take, kept with the account so the quota check is
-- one conditional update, like the balance.
ALTER TABLE users ADD COLUMN upload_bytes bigint NOT NULL DEFAULT 0 CHECK (upload_bytes >= 0);

CREATE TABLE uploads (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- A deleted project leaves its uploads to their owners.
    project_id   uuid REFERENCES projects (id) ON DELETE SET NULL,
    filename     text NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL CHECK (size >= 0),
    width        integer,
    height       integer,
    sha256       text NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX uploads_user ON uploads (user_id, created_at DESC);
CREATE INDEX uploads_project ON uploads (project_id, created_at DESC);

-- +goose Down
DROP TABLE uploads;
ALTER TABLE users DROP COLUMN upload_bytes;
