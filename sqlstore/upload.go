package sqlstore

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

const uploadColumns = `id, user_id, project_id, filename, content_type, size, width, height, sha256, created_at`

func scanUpload(row Row) (*velro.Upload, error) {
	var u velro.Upload
	var project uuid.NullUUID
	err := row.Scan(&u.ID, &u.UserID, &project, &u.Filename, &u.ContentType, &u.Size, &u.Width, &u.Height, &u.SHA256, utc{&u.CreatedAt})
	if err != nil {
		return nil, notFound(err, "Upload")
	}
	if project.Valid {
		u.ProjectID = &project.UUID
	}
	return &u, nil
}

var errQuota = velro.Errorf(velro.EQUOTA, "The upload would pass your storage quota; delete some uploads first.")

// CreateUpload implements velro.Store. The usage counter moves with
// a conditional update, as the balance does, so concurrent uploads cannot
// pass the quota together. A new upload is in no cache, and the usage
// is not part of a cached account: no effects.
func (s *Store) CreateUpload(ctx context.Context, u *velro.Upload, quota int64, check velro.Check) (velro.Effects, error) {
	u.CreatedAt = velro.Now()
	return velro.Effects{}, s.write(ctx, func(ctx context.Context, tx Querier) error {
		if err := runCheck(ctx, tx, check); err != nil {
			return err
		}
		var used int64
		err := tx.QueryRow(ctx, `UPDATE users SET upload_bytes = upload_bytes + $2
			WHERE id = $1 AND upload_bytes + $2 <= $3 RETURNING upload_bytes`, u.UserID, u.Size, quota).Scan(&used)
		if errors.Is(err, ErrNoRows) {
			if err := exists(ctx, tx, `SELECT 1 FROM users WHERE id = $1`, u.UserID, "User"); err != nil {
				return err
			}
			return errQuota
		} else if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO uploads (`+uploadColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			u.ID, u.UserID, uuidOrNil(u.ProjectID), u.Filename, u.ContentType, u.Size, u.Width, u.Height, u.SHA256, u.CreatedAt)
		return err
	})
}

// FindUpload implements velro.Store.
func (s *Store) FindUpload(ctx context.Context, id uuid.UUID) (u *velro.Upload, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		u, err = scanUpload(q.QueryRow(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE id = $1`, id))
		return err
	})
	return u, err
}

// ListUploads implements velro.Store.
func (s *Store) ListUploads(ctx context.Context, f velro.UploadFilter) (list []*velro.Upload, total int, err error) {
	where, arg := `user_id = $1`, any(f.UserID)
	if f.ProjectID != nil {
		where, arg = `project_id = $1`, *f.ProjectID
	}
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		if err := q.QueryRow(ctx, `SELECT count(*) FROM uploads WHERE `+where, arg).Scan(&total); err != nil {
			return err
		}
		rows, err := q.Query(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE `+where+`
			ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`, arg, f.Limit, f.Offset)
		if err != nil {
			return err
		}
		list, err = collect(rows, scanUpload)
		return err
	})
	return list, total, err
}

// DeleteUpload implements velro.Store. The change names the
// upload's project too: cached decisions on an upload in a project are
// kept, and dropped, with the project's.
func (s *Store) DeleteUpload(ctx context.Context, id uuid.UUID, check velro.Check) (u *velro.Upload, eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		if err := runCheck(ctx, tx, check); err != nil {
			return err
		}
		if u, err = scanUpload(tx.QueryRow(ctx, `DELETE FROM uploads WHERE id = $1 RETURNING `+uploadColumns, id)); err != nil {
			return err
		}
		eff.Access.Uploads = []uuid.UUID{id}
		if u.ProjectID != nil {
			eff.Access.Projects = []uuid.UUID{*u.ProjectID}
		}
		_, err := tx.Exec(ctx, `UPDATE users SET upload_bytes = upload_bytes - $2 WHERE id = $1`, u.UserID, u.Size)
		return err
	})
	return u, eff, err
}

// StorageUsage implements velro.Store.
func (s *Store) StorageUsage(ctx context.Context, userID uuid.UUID) (st velro.StorageUsage, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		if err := q.QueryRow(ctx, `SELECT upload_bytes, (SELECT count(*) FROM uploads WHERE user_id = $1),
			(SELECT CAST(COALESCE(SUM(output_bytes), 0) AS BIGINT) FROM generations WHERE user_id = $1)
			FROM users WHERE id = $1`, userID).Scan(&st.UploadBytes, &st.UploadCount, &st.GenerationBytes); err != nil {
			return notFound(err, "User")
		}
		st.UsedBytes = st.UploadBytes + st.GenerationBytes
		return nil
	})
	return st, err
}
