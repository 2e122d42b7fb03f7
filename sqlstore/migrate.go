package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// Migrate applies the engine's embedded, versioned goose migrations in fsys
// to db. Each engine package passes its own migrations and options (a
// session lock on PostgreSQL, so instances starting together migrate once).
func Migrate(ctx context.Context, dialect goose.Dialect, db *sql.DB, fsys fs.FS, opts ...goose.ProviderOption) error {
	// Migration numbers are handed out in ranges to changes made side by
	// side, so a database can have a later one applied before an earlier
	// one that merged afterwards: apply those too.
	opts = append(opts, goose.WithDisableGlobalRegistry(true), goose.WithAllowOutofOrder(true))
	provider, err := goose.NewProvider(dialect, db, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	// provider.Close would close db, which the engine still owns.
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return nil
}
