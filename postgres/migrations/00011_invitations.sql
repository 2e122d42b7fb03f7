-- +goose Up
-- Invitations into teams by email. The mailed token is stored as its
-- SHA-256, set when the mail is sent. A pending invitation past expires_at
-- reads as expired.
CREATE TABLE team_invitations (
    id           uuid PRIMARY KEY,
    team_id      uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    email        text NOT NULL,
    role         text NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    status       text NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'revoked', 'expired')),
    token_hash   text UNIQUE,
    invited_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    expires_at   timestamptz NOT NULL,
    created_at   timestamptz NOT NULL,
    responded_at timestamptz
);
-- One pending invitation per team and address.
CREATE UNIQUE INDEX team_invitations_pending ON team_invitations (team_id, email) WHERE status = 'pending';
CREATE INDEX team_invitations_team ON team_invitations (team_id, created_at DESC);
CREATE INDEX team_invitations_invited_by ON team_invitations (invited_by);

-- +goose Down
DROP TABLE team_invitations;
