package main

import (
	"log/slog"

	"github.com/velro-ai/velro/guard"
	"github.com/velro-ai/velro/service"
	"github.com/velro-ai/velro/stripe"
)

// newPayments wires Stripe as the settings say: checkouts need the secret
// key, events the webhook secret.
func newPayments(cfg *config, store *guard.Store, admins service.AdminCheck, log *slog.Logger) *service.Payments {
	pc := service.PaymentsConfig{Packs: cfg.CreditPacks, Admins: admins, Log: log}
	if cfg.StripeSecretKey != "" {
		pc.Gateway = stripe.New(cfg.StripeSecretKey, cfg.StripeAPIBase, cfg.AppURL)
	}
	if cfg.StripeWebhookSecret != "" {
		pc.Events = stripe.NewWebhook(cfg.StripeWebhookSecret)
	}
	return service.NewPayments(store, pc)
}
