package service

import (
	"github.com/velro-ai/velro"
)

// Payments sells credits: the packs users can buy.
type Payments struct {
	packs velro.CreditPacks
}

// NewPayments returns the payment use cases for the packs.
func NewPayments(packs velro.CreditPacks) *Payments {
	return &Payments{packs: packs}
}

// Packs lists what can be bought.
func (s *Payments) Packs() velro.CreditPacks { return s.packs }
