package service

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/guard"
)

// auditStore is what Audit needs of the (guarded) store.
type auditStore interface {
	guard.Guarded
	ListAudit(ctx context.Context, f velro.AuditFilter) ([]*velro.AuditEvent, int, error)
	PruneAudit(ctx context.Context, before time.Time) (int64, velro.Effects, error)
}

// AdminCheck is the one admin check (Accounts.RequireAdmin).
type AdminCheck interface {
	RequireAdmin(ctx context.Context, actor uuid.UUID, what string) (*velro.User, error)
}

// Audit reads and keeps the audit log. Events are written by the store,
// in the transaction of the change each one records.
type Audit struct {
	store  auditStore
	admins AdminCheck
	// Retention is how long events are kept.
	Retention time.Duration
	Log       *slog.Logger
}

// NewAudit returns the audit use cases, for admins as admins says; events
// older than retention go.
func NewAudit(store auditStore, admins AdminCheck, retention time.Duration, log *slog.Logger) *Audit {
	return &Audit{store: store, admins: admins, Retention: retention, Log: log}
}

// List returns a page of events, newest first: admins only.
func (s *Audit) List(ctx context.Context, actor uuid.UUID, f velro.AuditFilter) ([]*velro.AuditEvent, int, error) {
	if _, err := s.admins.RequireAdmin(ctx, actor, "read the audit log"); err != nil {
		return nil, 0, err
	}
	return s.store.ListAudit(ctx, f)
}

// KeepRetention deletes expired events now and then every interval, until
// ctx ends. Every instance may run it: a deletion is idempotent.
func (s *Audit) KeepRetention(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, _, err := s.store.PruneAudit(ctx, time.Now().Add(-s.Retention))
		if err != nil && ctx.Err() == nil {
			s.Log.WarnContext(ctx, "audit retention: pruning failed", "error", err)
		} else if n > 0 {
			s.Log.InfoContext(ctx, "audit retention: pruned old events", "events", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
