package sqlstore

import (
	"context"
	"errors"

	"github.com/velro-ai/velro"
)

// Secret implements velro.Store. The insert ignores a conflict and the
// value is read back, so instances racing on first start keep the one that
// was stored first. Secrets are read once at start-up: no effects.
func (s *Store) Secret(ctx context.Context, name string, generate func() ([]byte, error)) (value []byte, _ velro.Effects, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		return q.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&value)
	})
	if err == nil || !errors.Is(err, ErrNoRows) {
		return value, velro.Effects{}, err
	}
	fresh, err := generate()
	if err != nil {
		return nil, velro.Effects{}, err
	}
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		if _, err := tx.Exec(ctx, `INSERT INTO secrets (name, value, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO NOTHING`, name, fresh, velro.Now()); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&value)
	})
	return value, velro.Effects{}, err
}
