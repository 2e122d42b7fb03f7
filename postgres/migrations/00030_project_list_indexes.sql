-- +goose NO TRANSACTION
-- Built concurrently, outside a transaction, so project writes go on
-- meanwhile (see Migrate in postgres.go); each drop before a build clears an
-- index a failed run left invalid, so a retry starts clean.

-- +goose Up
-- Project lists walk these newest first (sqlstore.ListReadableProjects):
-- with the id as the tie-break a page needs no sort, and counting the
-- public projects reads the index alone.
DROP INDEX CONCURRENTLY IF EXISTS projects_user_newest;
CREATE INDEX CONCURRENTLY projects_user_newest ON projects (user_id, created_at DESC, id DESC);
DROP INDEX CONCURRENTLY IF EXISTS projects_visibility_newest;
CREATE INDEX CONCURRENTLY projects_visibility_newest ON projects (visibility, created_at DESC, id DESC);
DROP INDEX CONCURRENTLY IF EXISTS projects_user;
DROP INDEX CONCURRENTLY IF EXISTS projects_visibility;

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS projects_user;
CREATE INDEX CONCURRENTLY projects_user ON projects (user_id, created_at DESC);
DROP INDEX CONCURRENTLY IF EXISTS projects_visibility;
CREATE INDEX CONCURRENTLY projects_visibility ON projects (visibility, created_at DESC);
DROP INDEX CONCURRENTLY IF EXISTS projects_user_newest;
DROP INDEX CONCURRENTLY IF EXISTS projects_visibility_newest;
