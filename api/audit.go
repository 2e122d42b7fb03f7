package api

import (
	"context"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/service"
)

type auditInput struct {
	PageInput
	Action   string `query:"action" maxLength:"100" doc:"Only events of this action, e.g. project.shared"`
	ActorID  string `query:"actor_id" format:"uuid" doc:"Only events by this user"`
	TargetID string `query:"target_id" format:"uuid" doc:"Only events about this user, project, team or session"`
	Since    string `query:"since" format:"date-time" doc:"Only events at or after this time (RFC 3339)"`
	Until    string `query:"until" format:"date-time" doc:"Only events before this time (RFC 3339)"`
}

type auditOutput struct {
	Body struct {
		Events []*velro.AuditEvent `json:"events"`
		PageInfo
	}
}

func handleAudit(audit *service.Audit) func(context.Context, *auditInput) (*auditOutput, error) {
	return func(ctx context.Context, in *auditInput) (*auditOutput, error) {
		f := velro.AuditFilter{Action: velro.AuditAction(in.Action), Page: in.page()}
		var err error
		if f.ActorID, err = optionalID("actor_id", in.ActorID); err != nil {
			return nil, err
		}
		if f.TargetID, err = optionalID("target_id", in.TargetID); err != nil {
			return nil, err
		}
		if f.Since, err = optionalTime("since", in.Since); err != nil {
			return nil, err
		}
		if f.Until, err = optionalTime("until", in.Until); err != nil {
			return nil, err
		}
		list, total, err := audit.List(ctx, principal(ctx).UserID, f)
		if err != nil {
			return nil, err
		}
		out := &auditOutput{}
		out.Body.Events, out.Body.PageInfo = list, in.info(total)
		return out, nil
	}
}

func optionalTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, velro.Invalid(field, "must be an RFC 3339 time like 2026-11-30T12:00:00Z")
	}
	return t, nil
}
