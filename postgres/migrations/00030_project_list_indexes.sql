-- +goose Up
-- Project lists walk these newest first (sqlstore.ListReadableProjects):
-- with the id as the tie-break a page needs no sort, and counting the
-- public projects reads the index alone.
CREATE INDEX projects_user_newest ON projects (user_id, created_at DESC, id DESC);
CREATE INDEX projects_visibility_newest ON projects (visibility, created_at DESC, id DESC);
DROP INDEX projects_user;
DROP INDEX projects_visibility;

-- +goose Down
CREATE INDEX projects_user ON projects (user_id, created_at DESC);
CREATE INDEX projects_visibility ON projects (visibility, created_at DESC);
DROP INDEX projects_user_newest;
DROP INDEX projects_visibility_newest;
