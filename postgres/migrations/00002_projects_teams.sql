-- +goose Up
CREATE TABLE projects (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    visibility  text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'team-only', 'public')),
    tags        jsonb NOT NULL DEFAULT '[]',
    metadata    jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX projects_user ON projects (user_id, created_at DESC);
CREATE INDEX projects_visibility ON projects (visibility, created_at DESC);

CREATE TABLE teams (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    owner_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE team_members (
    team_id    uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE project_teams (
    project_id   uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    team_id      uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    access_level text NOT NULL CHECK (access_level IN ('read', 'write', 'admin')),
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (project_id, team_id)
);
CREATE INDEX project_teams_team ON project_teams (team_id);

-- The effective-access table (authorization L3): each user's best
-- team-derived role (1 viewer, 2 editor, 3 admin) on each project that is
-- not private. Rewritten for a project in the same transaction as every
-- write that changes its shares, the memberships of its teams, its
-- visibility or its owner, so it is never stale.
CREATE TABLE project_access (
    project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       smallint NOT NULL CHECK (role BETWEEN 1 AND 3),
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_access_user ON project_access (user_id);

-- +goose Down
DROP TABLE project_access;
DROP TABLE project_teams;
DROP TABLE team_members;
DROP TABLE teams;
DROP TABLE projects;
