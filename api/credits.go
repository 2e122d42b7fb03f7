package api

import (
	"context"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/service"
)

type userCreditsOutput struct {
	Body struct {
		UserID         string `json:"user_id"`
		CreditsBalance int64  `json:"credits_balance"`
		Currency       string `json:"currency" enum:"credits"`
	}
}

func handleUserCredits(accounts *service.Accounts) func(context.Context, *struct{}) (*userCreditsOutput, error) {
	return func(ctx context.Context, _ *struct{}) (*userCreditsOutput, error) {
		u, err := accounts.Profile(ctx, principal(ctx).UserID)
		if err != nil {
			return nil, err
		}
		out := &userCreditsOutput{}
		out.Body.UserID, out.Body.CreditsBalance, out.Body.Currency = u.ID.String(), u.CreditsBalance, "credits"
		return out, nil
	}
}

type balanceOutput struct {
	Body struct {
		Balance int64 `json:"balance"`
	}
}

func handleBalance(accounts *service.Accounts) func(context.Context, *struct{}) (*balanceOutput, error) {
	return func(ctx context.Context, _ *struct{}) (*balanceOutput, error) {
		u, err := accounts.Profile(ctx, principal(ctx).UserID)
		if err != nil {
			return nil, err
		}
		out := &balanceOutput{}
		out.Body.Balance = u.CreditsBalance
		return out, nil
	}
}

// PageInput is the pagination of every list.
type PageInput struct {
	Limit  int `query:"limit" minimum:"1" maximum:"100" default:"50"`
	Offset int `query:"offset" minimum:"0" maximum:"1000000000" default:"0"`
}

func (p PageInput) page() velro.Page { return velro.Page{Limit: p.Limit, Offset: p.Offset} }

// PageInfo is the tail every list response carries.
type PageInfo struct {
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

func (p PageInput) info(total int) PageInfo {
	return PageInfo{Total: total, Limit: p.Limit, Offset: p.Offset}
}

type transactionsOutput struct {
	Body struct {
		Transactions []*velro.CreditTransaction `json:"transactions"`
		PageInfo
	}
}

func handleTransactions(accounts *service.Accounts) func(context.Context, *PageInput) (*transactionsOutput, error) {
	return func(ctx context.Context, in *PageInput) (*transactionsOutput, error) {
		list, total, err := accounts.Transactions(ctx, principal(ctx).UserID, in.page())
		if err != nil {
			return nil, err
		}
		out := &transactionsOutput{}
		out.Body.Transactions, out.Body.PageInfo = list, in.info(total)
		return out, nil
	}
}

type creditStatsInput struct {
	Days int `query:"days" minimum:"1" maximum:"3650" default:"30"`
}

type creditStatsOutput struct{ Body velro.CreditStats }

func handleCreditStats(accounts *service.Accounts) func(context.Context, *creditStatsInput) (*creditStatsOutput, error) {
	return func(ctx context.Context, in *creditStatsInput) (*creditStatsOutput, error) {
		st, err := accounts.CreditStats(ctx, principal(ctx).UserID, in.Days)
		if err != nil {
			return nil, err
		}
		return &creditStatsOutput{Body: st}, nil
	}
}

type grantInput struct {
	Body struct {
		Email       string `json:"email" maxLength:"254"`
		Amount      int64  `json:"amount" minimum:"1" maximum:"1000000000"`
		Description string `json:"description,omitempty" maxLength:"500"`
	}
}

type grantOutput struct{ Body *velro.CreditTransaction }

// handleGrant lets an admin give credits to an account.
func handleGrant(accounts *service.Accounts) func(context.Context, *grantInput) (*grantOutput, error) {
	return func(ctx context.Context, in *grantInput) (*grantOutput, error) {
		entry, err := accounts.GrantCredits(ctx, principal(ctx).UserID, in.Body.Email, in.Body.Amount, in.Body.Description)
		if err != nil {
			return nil, err
		}
		return &grantOutput{Body: entry}, nil
	}
}
