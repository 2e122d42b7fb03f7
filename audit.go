package velro

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// AuditAction names a security-relevant event.
type AuditAction string

// The audited events. Each is stored in the same transaction as the change
// it records, except those that change nothing (a failed login).
const (
	AuditRegistered        AuditAction = "user.registered"
	AuditLogin             AuditAction = "auth.login"
	AuditLoginFailed       AuditAction = "auth.login_failed"
	AuditLogout            AuditAction = "auth.logout"
	AuditRefreshReuse      AuditAction = "auth.refresh_reuse"
	AuditMFAEnabled        AuditAction = "auth.mfa_enabled"
	AuditMFADisabled       AuditAction = "auth.mfa_disabled"
	AuditRecoveryCodeUsed  AuditAction = "auth.recovery_code_used"
	AuditSessionEnded      AuditAction = "auth.session_ended"
	AuditOtherSessionsEnd  AuditAction = "auth.other_sessions_ended"
	AuditPasswordChanged   AuditAction = "auth.password_changed"
	AuditPasswordReset     AuditAction = "auth.password_reset"
	AuditEmailVerified     AuditAction = "user.email_verified"
	AuditRoleChanged       AuditAction = "user.role_changed"
	AuditDisabled          AuditAction = "user.disabled"
	AuditEnabled           AuditAction = "user.enabled"
	AuditAccountDeleted    AuditAction = "user.deleted"
	AuditCreditsGranted    AuditAction = "credits.granted"
	AuditMemberAdded       AuditAction = "team.member_added"
	AuditMemberRoleChanged AuditAction = "team.member_role_changed"
	AuditMemberRemoved     AuditAction = "team.member_removed"
	AuditTeamDeleted       AuditAction = "team.deleted"
	AuditInvitationCreated AuditAction = "invitation.created"
	AuditInvitationAccept  AuditAction = "invitation.accepted"
	AuditInvitationRevoked AuditAction = "invitation.revoked"
	AuditShared            AuditAction = "project.shared"
	AuditUnshared          AuditAction = "project.unshared"
	AuditVisibilityChanged AuditAction = "project.visibility_changed"
	AuditProjectDeleted    AuditAction = "project.deleted"
	AuditCheckoutCreated   AuditAction = "payment.checkout_created"
	AuditPaymentEvent      AuditAction = "payment.event"
)

// AuditEvent is one stored event. It never holds passwords, tokens or
// hashes: details name what changed (ids, roles, levels, amounts).
type AuditEvent struct {
	ID         uuid.UUID      `json:"id"`
	Action     AuditAction    `json:"action"`
	ActorID    *uuid.UUID     `json:"actor_id"`
	TargetType string         `json:"target_type"`
	TargetID   *uuid.UUID     `json:"target_id"`
	IP         string         `json:"ip"`
	UserAgent  string         `json:"user_agent"`
	Details    map[string]any `json:"details"`
	CreatedAt  time.Time      `json:"created_at"`
}

// Actor is who is behind a request and from where: the HTTP layer puts it
// in the request's context, and the store reads it when it records an
// audit event in a write's transaction. A zero UserID is an anonymous
// caller (registering, logging in).
type Actor struct {
	UserID    uuid.UUID
	IP        string
	UserAgent string
	// MFA: the caller's session passed a second factor.
	MFA bool
}

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor ctx carries (the zero Actor for none: the
// system itself, a worker or the command line).
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

// AuditFilter selects events; zero fields select everything.
type AuditFilter struct {
	Action   AuditAction
	ActorID  *uuid.UUID
	TargetID *uuid.UUID
	Since    time.Time
	Until    time.Time
	Page
}

// AuditReader reads the audit log.
type AuditReader interface {
	// ListAudit returns a page of events, newest first, and the total.
	ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEvent, int, error)
}

// AuditWriter keeps the audit log.
type AuditWriter interface {
	// RecordAudit stores an event that goes with no write (a failed
	// login); events of writes are stored by the writes themselves.
	RecordAudit(ctx context.Context, ev *AuditEvent) (Effects, error)
	// PruneAudit deletes the events older than before and says how many.
	PruneAudit(ctx context.Context, before time.Time) (int64, Effects, error)
}
