// Package stripe is Velro's one dependency on Stripe: it creates Checkout
// Sessions with the official client and verifies and reads the events
// Stripe sends to the webhook endpoint.
package stripe

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	stripeapi "github.com/stripe/stripe-go/v82"
	"github.com/velro-ai/velro"
)

// Client creates Checkout Sessions.
type Client struct {
	api *stripeapi.Client
	// appURL is where Stripe sends the buyer back (/credits).
	appURL string
}

// callTimeout bounds one call to Stripe.
const callTimeout = 10 * time.Second

// New returns a client of the Stripe API at apiBase with the secret key;
// buyers return to appURL's /credits page.
func New(key, apiBase, appURL string) *Client {
	backends := stripeapi.NewBackendsWithConfig(&stripeapi.BackendConfig{
		URL:               stripeapi.String(apiBase),
		HTTPClient:        &http.Client{Timeout: callTimeout},
		MaxNetworkRetries: stripeapi.Int64(1),
		LeveledLogger:     &stripeapi.LeveledLogger{Level: stripeapi.LevelNull}, // failures are returned, and logged by the caller
	})
	return &Client{api: stripeapi.NewClient(key, stripeapi.WithBackends(backends)), appURL: appURL}
}

// CreateCheckout creates a Checkout Session for user buying pack: one line
// at the pack's price, the buyer as client_reference_id and the user, pack
// and credits in its metadata. It returns the page to send the buyer to
// and the session's id.
func (c *Client) CreateCheckout(ctx context.Context, user uuid.UUID, pack velro.CreditPack) (checkoutURL, sessionID string, err error) {
	params := &stripeapi.CheckoutSessionCreateParams{
		Mode:              stripeapi.String(string(stripeapi.CheckoutSessionModePayment)),
		ClientReferenceID: stripeapi.String(user.String()),
		SuccessURL:        stripeapi.String(c.appURL + "/credits?checkout=success&session_id={CHECKOUT_SESSION_ID}"),
		CancelURL:         stripeapi.String(c.appURL + "/credits?checkout=cancelled"),
		LineItems: []*stripeapi.CheckoutSessionCreateLineItemParams{{
			Quantity: stripeapi.Int64(1),
			PriceData: &stripeapi.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:   stripeapi.String(pack.Currency),
				UnitAmount: stripeapi.Int64(pack.Amount),
				ProductData: &stripeapi.CheckoutSessionCreateLineItemPriceDataProductDataParams{
					Name: stripeapi.String(strconv.FormatInt(pack.Credits, 10) + " Velro credits (" + pack.ID + ")"),
				},
			},
		}},
	}
	params.Metadata = map[string]string{"user_id": user.String(), "pack_id": pack.ID, "credits": strconv.FormatInt(pack.Credits, 10)}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	s, err := c.api.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		return "", "", unavailable(err)
	}
	if s.ID == "" || s.URL == "" {
		return "", "", velro.Errorf(velro.EUNAVAILABLE, "Stripe answered without a checkout page; try again shortly.")
	}
	return s.URL, s.ID, nil
}

// unavailable turns Stripe's failures into a 503 the client can retry,
// keeping the cause for the log.
func unavailable(err error) error {
	var stripeErr *stripeapi.Error
	msg := "Stripe is not answering; try again shortly."
	if errors.As(err, &stripeErr) {
		msg = "Stripe refused the checkout; try again shortly."
	}
	return errors.Join(&velro.Error{Code: velro.EUNAVAILABLE, Message: msg}, err)
}
