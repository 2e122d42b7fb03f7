-- +goose Up
CREATE TABLE generations (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- A deleted project leaves its generations to their owners.
    project_id      uuid REFERENCES projects (id) ON DELETE SET NULL,
    model_id        text NOT NULL,
    prompt          text NOT NULL,
    negative_prompt text NOT NULL DEFAULT '',
    parameters      jsonb NOT NULL DEFAULT '{}',
    status          text NOT NULL CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
    cost            bigint NOT NULL CHECK (cost >= 0),
    media_type      text NOT NULL CHECK (media_type IN ('image', 'video')),
    output_urls     jsonb NOT NULL DEFAULT '[]',
    is_favorite     boolean NOT NULL DEFAULT false,
    error_message   text,
    idempotency_key text,
    provider_ref    text,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    completed_at    timestamptz
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
