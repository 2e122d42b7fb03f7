-- +goose Up
CREATE TABLE projects (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    visibility  TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'team-only', 'public')),
    tags        TEXT NOT NULL DEFAULT '[]',
    metadata    TEXT NOT NULL DEFAULT '{}',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX projects_user ON projects (user_id, created_at DESC);
CREATE INDEX projects_visibility ON projects (visibility, created_at DESC);

CREATE TABLE teams (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owner_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE team_members (
    team_id    TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE project_teams (
    project_id   TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    team_id      TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    access_level TEXT NOT NULL CHECK (access_level IN ('read', 'write', 'admin')),
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, team_id)
);
CREATE INDEX project_teams_team ON project_teams (team_id);

-- The effective-access table (authorization L3): each user's best
-- team-derived role (1 viewer, 2 editor, 3 admin) on each project that is
-- not private. Rewritten for a project in the same transaction as every
-- write that changes its shares, the memberships of its teams, its
-- visibility or its owner, so it is never stale.
CREATE TABLE project_access (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       INTEGER NOT NULL CHECK (role BETWEEN 1 AND 3),
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_access_user ON project_access (user_id);

-- +goose Down
DROP TABLE project_access;
DROP TABLE project_teams;
DROP TABLE team_members;
DROP TABLE teams;
DROP TABLE projects;
