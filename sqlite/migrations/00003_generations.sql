-- +goose Up
CREATE TABLE generations (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- A deleted project leaves its generations to their owners.
    project_id      TEXT REFERENCES projects (id) ON DELETE SET NULL,
    model_id        TEXT NOT NULL,
    prompt          TEXT NOT NULL,
    negative_prompt TEXT NOT NULL DEFAULT '',
    parameters      TEXT NOT NULL DEFAULT '{}',
    status          TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
    cost            INTEGER NOT NULL CHECK (cost >= 0),
    media_type      TEXT NOT NULL CHECK (media_type IN ('image', 'video')),
    output_urls     TEXT NOT NULL DEFAULT '[]',
    is_favorite     INTEGER NOT NULL DEFAULT 0,
    error_message   TEXT,
    idempotency_key TEXT,
    provider_ref    TEXT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    completed_at    TIMESTAMP
);
CREATE INDEX generations_user ON generations (user_id, created_at DESC);
CREATE INDEX generations_project ON generations (project_id, created_at DESC);
CREATE UNIQUE INDEX generations_idempotency ON generations (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- A generation is charged once and refunded at most once.
CREATE UNIQUE INDEX credit_transactions_usage_once ON credit_transactions (generation_id) WHERE transaction_type = 'usage';
CREATE UNIQUE INDEX credit_transactions_refund_once ON credit_transactions (generation_id) WHERE transaction_type = 'refund';

-- +goose Down
DROP INDEX credit_transactions_refund_once;
DROP INDEX credit_transactions_usage_once;
DROP TABLE generations;
