package api

import (
	"context"
	"fmt"

	"github.com/velro-ai/velro/auth"
)

type sessionsOutput struct {
	Body struct {
		Sessions []auth.SessionView `json:"sessions"`
		PageInfo
	}
}

func handleListSessions(svc *auth.Service) func(context.Context, *PageInput) (*sessionsOutput, error) {
	return func(ctx context.Context, in *PageInput) (*sessionsOutput, error) {
		list, total, err := svc.Sessions(ctx, principal(ctx), in.page())
		if err != nil {
			return nil, err
		}
		out := &sessionsOutput{}
		out.Body.Sessions, out.Body.PageInfo = list, in.info(total)
		return out, nil
	}
}

func handleEndSession(svc *auth.Service) func(context.Context, *IDPath) (*messageOutput, error) {
	return func(ctx context.Context, in *IDPath) (*messageOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		if err := svc.EndSession(ctx, principal(ctx), id); err != nil {
			return nil, err
		}
		return message("Session ended"), nil
	}
}

type endedOutput struct {
	Body struct {
		Message string `json:"message"`
		Ended   int    `json:"ended" doc:"How many sessions ended"`
	}
}

func handleEndOtherSessions(svc *auth.Service) func(context.Context, *struct{}) (*endedOutput, error) {
	return func(ctx context.Context, _ *struct{}) (*endedOutput, error) {
		n, err := svc.EndOtherSessions(ctx, principal(ctx))
		if err != nil {
			return nil, err
		}
		out := &endedOutput{}
		out.Body.Message, out.Body.Ended = fmt.Sprintf("%d other sessions ended", n), n
		return out, nil
	}
}
