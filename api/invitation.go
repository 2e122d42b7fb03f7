package api

import (
	"context"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/service"
)

type invitationOutput struct{ Body *velro.Invitation }

type inviteInput struct {
	IDPath
	Body struct {
		Email string         `json:"email" maxLength:"254"`
		Role  velro.TeamRole `json:"role" enum:"admin,editor,viewer"`
	}
}

func handleInvite(teams *service.Teams) func(context.Context, *inviteInput) (*invitationOutput, error) {
	return func(ctx context.Context, in *inviteInput) (*invitationOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		inv, err := teams.Invite(ctx, principal(ctx).UserID, id, in.Body.Email, in.Body.Role)
		if err != nil {
			return nil, err
		}
		return &invitationOutput{Body: inv}, nil
	}
}

type invitationsInput struct {
	IDPath
	PageInput
}

type invitationsOutput struct {
	Body struct {
		Invitations []*velro.Invitation `json:"invitations"`
		PageInfo
	}
}

func handleListInvitations(teams *service.Teams) func(context.Context, *invitationsInput) (*invitationsOutput, error) {
	return func(ctx context.Context, in *invitationsInput) (*invitationsOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		list, total, err := teams.Invitations(ctx, principal(ctx).UserID, id, in.page())
		if err != nil {
			return nil, err
		}
		out := &invitationsOutput{}
		out.Body.Invitations, out.Body.PageInfo = list, in.info(total)
		return out, nil
	}
}

type invitationPath struct {
	IDPath
	InvitationID string `path:"invitation_id" format:"uuid"`
}

func handleRevokeInvitation(teams *service.Teams) func(context.Context, *invitationPath) (*messageOutput, error) {
	return func(ctx context.Context, in *invitationPath) (*messageOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		inv, err := parseID("invitation_id", in.InvitationID)
		if err != nil {
			return nil, err
		}
		if _, err := teams.RevokeInvitation(ctx, principal(ctx).UserID, id, inv); err != nil {
			return nil, err
		}
		return message("Invitation revoked"), nil
	}
}

// TokenPath is the token of a mailed invitation link.
type TokenPath struct {
	Token string `path:"token" maxLength:"256" doc:"The token of the invitation's link"`
}

func handleShowInvitation(teams *service.Teams) func(context.Context, *TokenPath) (*invitationOutput, error) {
	return func(ctx context.Context, in *TokenPath) (*invitationOutput, error) {
		inv, err := teams.Invitation(ctx, in.Token)
		if err != nil {
			return nil, err
		}
		return &invitationOutput{Body: inv}, nil
	}
}

func handleAcceptInvitation(teams *service.Teams) func(context.Context, *TokenPath) (*teamOutput, error) {
	return func(ctx context.Context, in *TokenPath) (*teamOutput, error) {
		t, err := teams.AcceptInvitation(ctx, principal(ctx).UserID, in.Token)
		if err != nil {
			return nil, err
		}
		return &teamOutput{Body: t}, nil
	}
}

func handleDeclineInvitation(teams *service.Teams) func(context.Context, *TokenPath) (*invitationOutput, error) {
	return func(ctx context.Context, in *TokenPath) (*invitationOutput, error) {
		inv, err := teams.DeclineInvitation(ctx, principal(ctx).UserID, in.Token)
		if err != nil {
			return nil, err
		}
		return &invitationOutput{Body: inv}, nil
	}
}
