package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"

	"github.com/pressly/goose/v3"
)

// Migrate applies the engine's embedded, versioned goose migrations in fsys
// to db, and returns the names of those it applied. Each engine package passes its own migrations and options (a
// session lock on PostgreSQL, so instances starting together migrate once).
func Migrate(ctx context.Context, dialect goose.Dialect, db *sql.DB, fsys fs.FS, opts ...goose.ProviderOption) ([]string, error) {
	// Migration numbers are handed out in ranges to changes made side by
	// side, so a database can have a later one applied before an earlier
	// one that merged afterwards: apply those too.
	opts = append(opts, goose.WithDisableGlobalRegistry(true), goose.WithAllowOutofOrder(true))
	provider, err := goose.NewProvider(dialect, db, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	// provider.Close would close db, which the engine still owns.
	results, err := provider.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	applied := make([]string, len(results))
	for i, r := range results {
		applied[i] = path.Base(r.Source.Path)
	}
	return applied, nil
}
