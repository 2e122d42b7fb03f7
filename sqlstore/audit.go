package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

const auditColumns = `id, action, actor_id, target_type, target_id, ip, user_agent, details, created_at`

// audit records ev in tx, the transaction of the write it describes, so
// the change and its record commit together. The actor, address and user
// agent come from the request (velro.ActorFrom) unless ev names the actor.
func audit(ctx context.Context, tx Querier, ev velro.AuditEvent) error {
	actor := velro.ActorFrom(ctx)
	if ev.ActorID == nil && actor.UserID != uuid.Nil {
		ev.ActorID = &actor.UserID
	}
	ev.ID, ev.IP, ev.UserAgent, ev.CreatedAt = velro.NewID(), actor.IP, actor.UserAgent, velro.Now()
	if ev.Details == nil {
		ev.Details = map[string]any{}
	}
	details, err := jsonText(ev.Details)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO audit_events (`+auditColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		ev.ID, string(ev.Action), uuidOrNil(ev.ActorID), ev.TargetType, uuidOrNil(ev.TargetID), ev.IP, ev.UserAgent, details, ev.CreatedAt)
	return err
}

// event is an audit event about a target, by the request's actor.
func event(action velro.AuditAction, targetType string, target uuid.UUID, details map[string]any) velro.AuditEvent {
	return velro.AuditEvent{Action: action, TargetType: targetType, TargetID: &target, Details: details}
}

// RecordAudit implements velro.Store. The audit log is not cached: no
// effects.
func (s *Store) RecordAudit(ctx context.Context, ev *velro.AuditEvent) (velro.Effects, error) {
	return velro.Effects{}, s.write(ctx, func(ctx context.Context, tx Querier) error { return audit(ctx, tx, *ev) })
}

// ListAudit implements velro.Store.
func (s *Store) ListAudit(ctx context.Context, f velro.AuditFilter) (list []*velro.AuditEvent, total int, err error) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Action != "" {
		add("action = $%d", string(f.Action))
	}
	if f.ActorID != nil {
		add("actor_id = $%d", *f.ActorID)
	}
	if f.TargetID != nil {
		add("target_id = $%d", *f.TargetID)
	}
	if !f.Since.IsZero() {
		add("created_at >= $%d", at(f.Since))
	}
	if !f.Until.IsZero() {
		add("created_at < $%d", at(f.Until))
	}
	cond := "TRUE"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	err = s.read(ctx, func(ctx context.Context, q Querier) error {
		if err := q.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE `+cond, args...).Scan(&total); err != nil {
			return err
		}
		page := append(args, f.Limit, f.Offset)
		rows, err := q.Query(ctx, fmt.Sprintf(`SELECT `+auditColumns+` FROM audit_events WHERE %s
			ORDER BY created_at DESC, id DESC LIMIT $%d OFFSET $%d`, cond, len(args)+1, len(args)+2), page...)
		if err != nil {
			return err
		}
		list, err = collect(rows, scanAudit)
		return err
	})
	return list, total, err
}

func scanAudit(r Row) (*velro.AuditEvent, error) {
	var ev velro.AuditEvent
	var actor, target uuid.NullUUID
	if err := r.Scan(&ev.ID, &ev.Action, &actor, &ev.TargetType, &target, &ev.IP, &ev.UserAgent,
		jsonValue{&ev.Details}, utc{&ev.CreatedAt}); err != nil {
		return nil, err
	}
	if actor.Valid {
		ev.ActorID = &actor.UUID
	}
	if target.Valid {
		ev.TargetID = &target.UUID
	}
	if ev.Details == nil {
		ev.Details = map[string]any{}
	}
	return &ev, nil
}

// PruneAudit implements velro.Store: no effects, as RecordAudit.
func (s *Store) PruneAudit(ctx context.Context, before time.Time) (int64, velro.Effects, error) {
	n, err := s.exec(ctx, `DELETE FROM audit_events WHERE created_at < $1`, at(before))
	return n, velro.Effects{}, err
}
