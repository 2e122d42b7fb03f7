package api

import (
	"context"

	"github.com/danielgtaylor/huma/v2"
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

type checkoutInput struct {
	Body struct {
		PackID string `json:"pack_id" maxLength:"64"`
	}
}

type checkoutOutput struct {
	Body struct {
		CheckoutURL string `json:"checkout_url" doc:"Stripe's payment page: send the buyer there"`
		SessionID   string `json:"session_id" doc:"The Stripe Checkout Session; the purchase's ledger entry will name it as reference"`
	}
}

func handleCheckout(payments *service.Payments) func(context.Context, *checkoutInput) (*checkoutOutput, error) {
	return func(ctx context.Context, in *checkoutInput) (*checkoutOutput, error) {
		url, session, err := payments.Checkout(ctx, principal(ctx).UserID, in.Body.PackID)
		if err != nil {
			return nil, err
		}
		out := &checkoutOutput{}
		out.Body.CheckoutURL, out.Body.SessionID = url, session
		return out, nil
	}
}

// maxEventBody bounds a Stripe event: a Checkout Session's or a charge's
// is a few KiB.
const maxEventBody = 64 << 10

// stripeEvents bounds an operation's body to one event.
func stripeEvents(o huma.Operation) huma.Operation {
	o.MaxBodyBytes = maxEventBody
	return o
}

type stripeEventInput struct {
	Signature string `header:"Stripe-Signature" doc:"t=<unix time>,v1=<HMAC-SHA256 of \"<t>.<body>\" keyed by the webhook secret>"`
	RawBody   []byte
}

type stripeEventOutput struct {
	Body struct {
		Received bool                 `json:"received"`
		Outcome  velro.PaymentOutcome `json:"outcome" enum:"credited,duplicate,pending,rejected,refunded,recorded,ignored"`
	}
}

func handleStripeEvent(payments *service.Payments) func(context.Context, *stripeEventInput) (*stripeEventOutput, error) {
	return func(ctx context.Context, in *stripeEventInput) (*stripeEventOutput, error) {
		res, err := payments.HandleEvent(ctx, in.RawBody, in.Signature)
		if err != nil {
			return nil, err
		}
		out := &stripeEventOutput{}
		out.Body.Received, out.Body.Outcome = true, res.Outcome
		return out, nil
	}
}

type paymentsOutput struct {
	Body struct {
		Payments []*velro.Checkout `json:"payments"`
		PageInfo
	}
}

func handleListPayments(payments *service.Payments) func(context.Context, *PageInput) (*paymentsOutput, error) {
	return func(ctx context.Context, in *PageInput) (*paymentsOutput, error) {
		list, total, err := payments.List(ctx, principal(ctx).UserID, in.page())
		if err != nil {
			return nil, err
		}
		out := &paymentsOutput{}
		out.Body.Payments, out.Body.PageInfo = list, in.info(total)
		return out, nil
	}
}
