package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/velro-ai/velro"
)

// SigningKeys implements velro.Store.
func (s *Store) SigningKeys(ctx context.Context, retiredAfter time.Time) (keys []velro.SigningKey, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		rows, err := q.Query(ctx, `SELECT id, seed, created_at, retired_at FROM signing_keys
			WHERE retired_at IS NULL OR retired_at > $1 ORDER BY id DESC`, at(retiredAfter))
		if err != nil {
			return err
		}
		keys, err = collect(rows, func(r Row) (k velro.SigningKey, err error) {
			return k, r.Scan(&k.ID, &k.Seed, utc{&k.CreatedAt}, nullUTC{&k.RetiredAt})
		})
		return err
	})
	return keys, err
}

// CreateSigningKey implements velro.Store. The insert happens
// only without a current key; of two racing inserts, the unique index on
// the current key refuses one. The first key is created at start-up,
// before any instance could have loaded another: no effects.
func (s *Store) CreateSigningKey(ctx context.Context, k *velro.SigningKey) (bool, velro.Effects, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	err := s.engine.Writer().QueryRow(ctx, `INSERT INTO signing_keys (seed, created_at) SELECT $1, $2
		WHERE NOT EXISTS (SELECT 1 FROM signing_keys WHERE retired_at IS NULL) RETURNING id`, k.Seed, at(k.CreatedAt)).Scan(&k.ID)
	if errors.Is(err, ErrNoRows) || s.engine.IsUniqueViolation(err) {
		return false, velro.Effects{}, nil
	}
	return err == nil, velro.Effects{}, s.mapError(ctx, err)
}

// RotateSigningKey implements velro.Store: every instance reloads its keys.
func (s *Store) RotateSigningKey(ctx context.Context, k *velro.SigningKey, dropBefore time.Time) (eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		if _, err := tx.Exec(ctx, `UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL`, at(k.CreatedAt)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM signing_keys WHERE retired_at < $1`, at(dropBefore)); err != nil {
			return err
		}
		eff = velro.Effects{SigningKeys: true}
		return tx.QueryRow(ctx, `INSERT INTO signing_keys (seed, created_at) VALUES ($1, $2) RETURNING id`, k.Seed, at(k.CreatedAt)).Scan(&k.ID)
	})
	if s.engine.IsUniqueViolation(err) {
		return velro.Effects{}, velro.Errorf(velro.ECONFLICT, "Another key rotation happened at the same moment; run it again if another key is still wanted.")
	}
	return eff, err
}
