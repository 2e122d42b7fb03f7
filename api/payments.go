package api

import (
	"context"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/service"
)

type packsOutput struct {
	Body struct {
		Packs []velro.CreditPack `json:"packs"`
	}
}

func handleCreditPacks(payments *service.Payments) func(context.Context, *struct{}) (*packsOutput, error) {
	return func(context.Context, *struct{}) (*packsOutput, error) {
		out := &packsOutput{}
		out.Body.Packs = payments.Packs()
		return out, nil
	}
}
