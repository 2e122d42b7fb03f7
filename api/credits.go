package api

import (
	"context"

	"github.com/velro-ai/velro"
)

type userCreditsOutput struct {
	Body struct {
		UserID         string `json:"user_id"`
		CreditsBalance int64  `json:"credits_balance"`
		Currency       string `json:"currency" enum:"credits"`
	}
}

func handleUserCredits(store velro.Store) func(context.Context, *struct{}) (*userCreditsOutput, error) {
	return func(ctx context.Context, _ *struct{}) (*userCreditsOutput, error) {
		u, err := store.FindUserByID(ctx, principal(ctx).UserID)
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

func handleBalance(store velro.Store) func(context.Context, *struct{}) (*balanceOutput, error) {
	return func(ctx context.Context, _ *struct{}) (*balanceOutput, error) {
		u, err := store.FindUserByID(ctx, principal(ctx).UserID)
		if err != nil {
			return nil, err
		}
		out := &balanceOutput{}
		out.Body.Balance = u.CreditsBalance
		return out, nil
	}
}

// PageInput is API.md's pagination.
type PageInput struct {
	Limit  int `query:"limit" minimum:"1" maximum:"100" default:"50"`
	Offset int `query:"offset" minimum:"0" default:"0"`
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

func handleTransactions(store velro.Store) func(context.Context, *PageInput) (*transactionsOutput, error) {
	return func(ctx context.Context, in *PageInput) (*transactionsOutput, error) {
		list, total, err := store.ListCreditTransactions(ctx, principal(ctx).UserID, in.page())
		if err != nil {
			return nil, err
		}
		out := &transactionsOutput{}
		out.Body.Transactions, out.Body.PageInfo = list, in.info(total)
		return out, nil
	}
}
