package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// JobInserter enqueues jobs inside the transaction of the write that causes
// them (River's InsertTx), so a job exists if and only if the write was
// committed: a generation's job, a mail.
type JobInserter interface {
	// InsertGenerationJob enqueues a generation whose user has active
	// other generations pending or processing (for fairness across users).
	InsertGenerationJob(ctx context.Context, tx Querier, generationID uuid.UUID, active int) error
	InsertMailJob(ctx context.Context, tx Querier, m velro.MailJob) error
}

// UseJobs sets the job queue SubmitGeneration enqueues into.
func (s *Store) UseJobs(j JobInserter) { s.jobs = j }

// SubmitGeneration implements velro.Store: the charge changes the
// account's row (none when an earlier submit is returned).
func (s *Store) SubmitGeneration(ctx context.Context, g *velro.Generation, idempotencyKey string, check velro.Check) (existing *velro.Generation, eff velro.Effects, err error) {
	var key *string
	if idempotencyKey != "" {
		key = &idempotencyKey
	}
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		if key != nil {
			found, err := findByKey(ctx, tx, g, *key)
			if err == nil {
				existing = found
				return nil
			} else if velro.ErrorCode(err) != velro.ENOTFOUND {
				return err
			}
		}
		// Checked again here, in the transaction that charges: a revocation
		// committed before it is seen.
		if err := runCheck(ctx, tx, check); err != nil {
			return err
		}
		if _, err := addCredits(ctx, tx, g.UserID, velro.CreditUsage, -g.Cost, "Generation with "+g.ModelID, &g.ID, "", g.CreatedAt); err != nil {
			return err
		}
		active, err := s.checkActive(ctx, tx, g.UserID)
		if err != nil {
			return err
		}
		if err := insertGeneration(ctx, tx, g, key); err != nil {
			return err
		}
		if s.jobs == nil {
			return errNoQueue
		}
		eff = velro.Effects{Users: []uuid.UUID{g.UserID}}
		return s.jobs.InsertGenerationJob(ctx, tx, g.ID, active)
	})
	if key != nil && s.engine.IsUniqueViolation(err) {
		// A concurrent request with the same key won the race.
		eff = velro.Effects{}
		err = s.read(ctx, func(ctx context.Context, q Querier) error {
			existing, err = findByKey(ctx, q, g, *key)
			return err
		})
	}
	return existing, eff, err
}

// errKeyReused refuses an idempotency key used with another request.
var errKeyReused = velro.Errorf(velro.EIDEMPOTENCY,
	"This Idempotency-Key was used with a different request; use a new key for a new request.")

// findByKey returns the user's generation submitted under key: the one g
// retries, or errKeyReused when it came from another request. Generations
// stored before request hashes were kept (NULL) replay as they did.
func findByKey(ctx context.Context, q Querier, g *velro.Generation, key string) (*velro.Generation, error) {
	var hash *string
	found, err := scanGeneration(withExtra(q.QueryRow(ctx, `SELECT `+generationColumns+`, request_hash FROM generations
		WHERE user_id = $1 AND idempotency_key = $2`, g.UserID, key), &hash))
	if err != nil {
		return nil, err
	}
	if hash != nil && *hash != g.RequestHash {
		return nil, errKeyReused
	}
	return found, nil
}

// ListGenerations implements velro.Store.
func (s *Store) ListGenerations(ctx context.Context, f velro.GenerationFilter) (list []*velro.Generation, total int, err error) {
	where, args := generationWhere(f)
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		if err := q.QueryRow(ctx, `SELECT count(*) FROM generations WHERE `+where, args...).Scan(&total); err != nil {
			return err
		}
		n := len(args)
		rows, err := q.Query(ctx, `SELECT `+generationColumns+` FROM generations WHERE `+where+
			fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT $%d OFFSET $%d`, n+1, n+2), append(args, f.Limit, f.Offset)...)
		if err != nil {
			return err
		}
		list, err = collect(rows, scanGeneration)
		return err
	})
	return list, total, err
}

// generationWhere is the condition of a generation filter and its
// arguments ($1...).
func generationWhere(f velro.GenerationFilter) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, fmt.Sprintf(cond, len(args)))
	}
	switch {
	case f.ProjectID != nil:
		add(`project_id = $%d`, *f.ProjectID)
	case !f.AnyUser:
		add(`user_id = $%d`, f.UserID)
	}
	if f.ModelID != "" {
		add(`model_id = $%d`, f.ModelID)
	}
	if len(f.Statuses) > 0 {
		in := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			args = append(args, string(st))
			in[i] = fmt.Sprintf("$%d", len(args))
		}
		conds = append(conds, `status IN (`+strings.Join(in, ", ")+`)`)
	}
	if f.Favorite != nil {
		add(`is_favorite = $%d`, *f.Favorite)
	}
	if !f.Since.IsZero() {
		add(`created_at >= $%d`, at(f.Since))
	}
	if len(conds) == 0 {
		return `TRUE`, nil
	}
	return strings.Join(conds, ` AND `), args
}

// StartGeneration implements velro.Store.
func (s *Store) StartGeneration(ctx context.Context, id uuid.UUID) (g *velro.Generation, eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		n, err := tx.Exec(ctx, `UPDATE generations SET status = 'processing', started_at = $2, updated_at = $2
			WHERE id = $1 AND status = 'pending'`, id, velro.Now())
		if err != nil {
			return err
		}
		if n == 1 {
			eff = changed(id, velro.StatusProcessing)
		}
		g, err = scanGeneration(tx.QueryRow(ctx, `SELECT `+generationColumns+` FROM generations WHERE id = $1`, id))
		return err
	})
	return g, eff, err
}

// changed is the effects of a generation moved to status.
func changed(id uuid.UUID, status velro.Status) velro.Effects {
	return velro.Effects{Generations: []uuid.UUID{id}, Statuses: []velro.StatusChange{{ID: id, Status: status}}}
}

// SaveProviderState implements velro.Store. The state is not part of a
// cached generation: no effects.
func (s *Store) SaveProviderState(ctx context.Context, id uuid.UUID, state []byte) (velro.Effects, error) {
	_, err := s.exec(ctx, `UPDATE generations SET provider_ref = $2 WHERE id = $1`, id, string(state))
	return velro.Effects{}, err
}

// ProviderState implements velro.Store.
func (s *Store) ProviderState(ctx context.Context, id uuid.UUID) (state []byte, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		var ref *string
		if err := q.QueryRow(ctx, `SELECT provider_ref FROM generations WHERE id = $1`, id).Scan(&ref); err != nil {
			return notFound(err, "Generation")
		}
		if ref != nil {
			state = []byte(*ref)
		}
		return nil
	})
	return state, err
}

// CompleteGeneration implements velro.Store.
func (s *Store) CompleteGeneration(ctx context.Context, id uuid.UUID, outputs []string, size int64) (done bool, eff velro.Effects, err error) {
	urls, err := jsonText(outputs)
	if err != nil {
		return false, eff, err
	}
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		now := velro.Now()
		n, err := tx.Exec(ctx, `UPDATE generations SET status = 'completed', output_urls = $2, output_bytes = $4, completed_at = $3, updated_at = $3
			WHERE id = $1 AND status = 'processing'`, id, urls, now, size)
		if done = n == 1; done {
			eff = changed(id, velro.StatusCompleted)
		}
		return err
	})
	return done, eff, err
}

// endGeneration moves a pending or processing generation to status and
// refunds its cost, in tx; false if it had already ended (nothing done).
// The effects name the refunded owner: the row says whose it is, so no
// read comes first.
func endGeneration(ctx context.Context, tx Querier, id uuid.UUID, status velro.Status, message *string) (bool, velro.Effects, error) {
	now := velro.Now()
	var userID uuid.UUID
	var cost int64
	var model string
	err := tx.QueryRow(ctx, `UPDATE generations SET status = $2, error_message = $3, completed_at = $4, updated_at = $4
		WHERE id = $1 AND status IN ('pending', 'processing') RETURNING user_id, cost, model_id`, id, status, message, now).
		Scan(&userID, &cost, &model)
	if errors.Is(err, ErrNoRows) {
		return false, velro.Effects{}, nil
	} else if err != nil {
		return false, velro.Effects{}, err
	}
	eff := changed(id, status)
	if cost == 0 {
		return true, eff, nil
	}
	eff.Users = []uuid.UUID{userID}
	// The partial unique index on refund entries makes a second refund of
	// one generation impossible, whatever the code above does.
	_, err = addCredits(ctx, tx, userID, velro.CreditRefund, cost, "Refund: generation "+string(status)+" ("+model+")", &id, "", now)
	return true, eff, err
}

// FailGeneration implements velro.Store.
func (s *Store) FailGeneration(ctx context.Context, id uuid.UUID, message string) (ended bool, eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		ended, eff, err = endGeneration(ctx, tx, id, velro.StatusFailed, &message)
		return err
	})
	return ended, eff, err
}

// CancelGeneration implements velro.Store.
func (s *Store) CancelGeneration(ctx context.Context, id uuid.UUID, check velro.Check) (g *velro.Generation, eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		if err := runCheck(ctx, tx, check); err != nil {
			return err
		}
		ended, endEff, err := endGeneration(ctx, tx, id, velro.StatusCancelled, nil)
		if err != nil {
			return err
		}
		eff = endEff
		if g, err = scanGeneration(tx.QueryRow(ctx, `SELECT `+generationColumns+` FROM generations WHERE id = $1`, id)); err != nil {
			return err
		}
		if !ended {
			return velro.Errorf(velro.ECONFLICT, "The generation has already ended (%s).", g.Status)
		}
		return nil
	})
	return g, eff, err
}

// ToggleFavorite implements velro.Store.
func (s *Store) ToggleFavorite(ctx context.Context, id uuid.UUID, check velro.Check) (g *velro.Generation, eff velro.Effects, err error) {
	err = s.write(ctx, func(ctx context.Context, tx Querier) error {
		if err := runCheck(ctx, tx, check); err != nil {
			return err
		}
		g, err = scanGeneration(tx.QueryRow(ctx, `UPDATE generations SET is_favorite = NOT is_favorite, updated_at = $2
			WHERE id = $1 RETURNING `+generationColumns, id, velro.Now()))
		eff = velro.Effects{Generations: []uuid.UUID{id}}
		return err
	})
	return g, eff, err
}

// StaleGenerations implements velro.Store.
func (s *Store) StaleGenerations(ctx context.Context, before time.Time, limit int) (ids []uuid.UUID, err error) {
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		rows, err := q.Query(ctx, `SELECT id FROM generations WHERE status IN ('pending', 'processing') AND updated_at < $1
			ORDER BY updated_at LIMIT $2`, at(before), limit)
		if err != nil {
			return err
		}
		ids, err = collect(rows, func(r Row) (id uuid.UUID, err error) { return id, r.Scan(&id) })
		return err
	})
	return ids, err
}
