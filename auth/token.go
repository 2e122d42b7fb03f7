package auth

import (
	"context"
	"crypto/ed25519"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/maypok86/otter/v2"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/guard"
)

// Access-token constants. Every instance uses the same values, so any
// instance verifies any other's tokens.
const (
	Issuer         = "velro"
	Audience       = "velro-api"
	AccessTokenTTL = 15 * time.Minute
)

// ErrInvalidToken is returned for any access token that must be refused:
// malformed, wrongly signed, expired, for another issuer or audience.
var ErrInvalidToken = &velro.Error{Code: velro.EUNAUTHORIZED, Message: "Invalid or expired access token."}

// AccessClaims are the verified contents of an access token.
type AccessClaims struct {
	UserID    uuid.UUID
	SessionID uuid.UUID
	ExpiresAt time.Time
}

type jwtClaims struct {
	SessionID string `json:"sid"`
	jwt.RegisteredClaims
}

// KeyStore is what the token signer needs of the (guarded) store.
type KeyStore interface {
	guard.Guarded
	SigningKeys(ctx context.Context, retiredAfter time.Time) ([]velro.SigningKey, error)
	CreateSigningKey(ctx context.Context, k *velro.SigningKey) (bool, velro.Effects, error)
}

// Tokens signs and verifies EdDSA access tokens. The keys live in the
// database, so every instance agrees: the current key signs, and keys
// retired by a rotation (velro keys rotate) verify until the tokens they
// signed have expired. Each token names its key (kid). Verified tokens are
// remembered until they expire: a token is verified once per instance, not
// once per request.
type Tokens struct {
	store    KeyStore
	keys     atomic.Pointer[keySet]
	reloadMu sync.Mutex   // one reload at a time
	lastMiss atomic.Int64 // when an unknown kid last caused a reload (unix ns)
	parser   *jwt.Parser
	verified *otter.Cache[string, AccessClaims]
	now      func() time.Time
}

// NewTokens loads the signing keys, creating the first on first start.
func NewTokens(ctx context.Context, store KeyStore) (*Tokens, error) {
	t := &Tokens{
		store: store,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
			jwt.WithIssuer(Issuer),
			jwt.WithAudience(Audience),
			jwt.WithExpirationRequired(),
			jwt.WithStrictDecoding(), // one spelling per token: no variants in unused bits
		),
		verified: otter.Must(&otter.Options[string, AccessClaims]{
			MaximumSize: 100_000,
			ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, AccessClaims]) time.Duration {
				return time.Until(e.Value.ExpiresAt)
			}),
		}),
		now: time.Now,
	}
	if err := t.Reload(ctx); !errors.Is(err, errNoKey) {
		return t, err
	}
	seed, err := velro.RandomSecret(ed25519.SeedSize)()
	if err != nil {
		return nil, err
	}
	// Instances racing on a first start all store theirs; one is kept.
	if _, _, err := store.CreateSigningKey(ctx, &velro.SigningKey{Seed: seed, CreatedAt: velro.Now()}); err != nil {
		return nil, err
	}
	return t, t.Reload(ctx)
}

var errNoKey = errors.New("auth: no current signing key")

// Reload reads the signing keys again: the current one and those retired
// recently enough to verify tokens still alive.
func (t *Tokens) Reload(ctx context.Context) error {
	t.reloadMu.Lock()
	defer t.reloadMu.Unlock()
	keys, err := t.store.SigningKeys(ctx, t.now().Add(-retiredKeyLifetime))
	if err != nil {
		return err
	}
	if len(keys) == 0 || keys[0].RetiredAt != nil {
		return errNoKey
	}
	set, err := newKeySet(keys)
	if err != nil {
		return err
	}
	t.keys.Store(set)
	return nil
}

// Issue returns an access token for the session, signed by the current key.
func (t *Tokens) Issue(userID, sessionID uuid.UUID) (string, error) {
	now := t.now()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwtClaims{
		SessionID: sessionID.String(),
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   userID.String(),
			Issuer:    Issuer,
			Audience:  jwt.ClaimStrings{Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(AccessTokenTTL)),
		},
	})
	keys := t.keys.Load()
	tok.Header["kid"] = keys.kid
	return tok.SignedString(keys.signer)
}

// Verify checks the token's signature (by the key its kid names),
// algorithm, issuer, audience and expiry and returns its claims.
func (t *Tokens) Verify(ctx context.Context, token string) (AccessClaims, error) {
	if c, ok := t.verified.GetIfPresent(token); ok {
		if t.now().Before(c.ExpiresAt) {
			return c, nil
		}
		return AccessClaims{}, ErrInvalidToken
	}
	var claims jwtClaims
	_, err := t.parser.ParseWithClaims(token, &claims, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		if pub, ok := t.publicKey(ctx, kid); ok {
			return pub, nil
		}
		return nil, errors.New("unknown key id")
	})
	if err != nil {
		return AccessClaims{}, ErrInvalidToken
	}
	userID, err1 := uuid.Parse(claims.Subject)
	sessionID, err2 := uuid.Parse(claims.SessionID)
	if err1 != nil || err2 != nil {
		return AccessClaims{}, ErrInvalidToken
	}
	c := AccessClaims{UserID: userID, SessionID: sessionID, ExpiresAt: claims.ExpiresAt.Time}
	t.verified.Set(token, c)
	return c, nil
}

// publicKey returns the verifying key of kid. A kid this instance does not
// know may be a key another instance rotated to a moment ago: that causes
// one reload, at most once per missReloadEvery however many made-up kids
// arrive.
func (t *Tokens) publicKey(ctx context.Context, kid string) (ed25519.PublicKey, bool) {
	if pub, ok := t.keys.Load().public[kid]; ok {
		return pub, true
	}
	now, last := t.now().UnixNano(), t.lastMiss.Load()
	if now-last < int64(missReloadEvery) || !t.lastMiss.CompareAndSwap(last, now) {
		return nil, false
	}
	if err := t.Reload(ctx); err != nil {
		return nil, false
	}
	pub, ok := t.keys.Load().public[kid]
	return pub, ok
}

// JWKS returns the public keys that verify access tokens: the current key
// first, then the retired ones still verifying.
func (t *Tokens) JWKS() JWKS { return t.keys.Load().jwks }

// CurrentKeyID names the key that signs new tokens.
func (t *Tokens) CurrentKeyID() string { return t.keys.Load().kid }
