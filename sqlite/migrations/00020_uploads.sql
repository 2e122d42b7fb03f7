-- +goose Up
-- What a user's uploads take, kept with the account so the quota check is
-- one conditional update, like the balance.
ALTER TABLE users ADD COLUMN upload_bytes INTEGER NOT NULL DEFAULT 0 CHECK (upload_bytes >= 0);

CREATE TABLE uploads (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- A deleted project leaves its uploads to their owners.
    project_id   TEXT REFERENCES projects (id) ON DELETE SET NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL CHECK (size >= 0),
    width        INTEGER,
    height       INTEGER,
    sha256       TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX uploads_user ON uploads (user_id, created_at DESC);
CREATE INDEX uploads_project ON uploads (project_id, created_at DESC);

-- +goose Down
DROP TABLE uploads;
ALTER TABLE users DROP COLUMN upload_bytes;
