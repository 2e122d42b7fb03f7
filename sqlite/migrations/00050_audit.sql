-- +goose Up
-- The audit log. No foreign keys: events outlive the accounts, projects
-- and teams they name (an account deletion is itself an event).
CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY,
    action      TEXT NOT NULL,
    actor_id    TEXT,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT,
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    details     TEXT NOT NULL DEFAULT '{}',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX audit_events_created ON audit_events (created_at DESC, id DESC);
CREATE INDEX audit_events_actor ON audit_events (actor_id, created_at DESC);
CREATE INDEX audit_events_target ON audit_events (target_id, created_at DESC);
CREATE INDEX audit_events_action ON audit_events (action, created_at DESC);

-- +goose Down
DROP TABLE audit_events;
