package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/maypok86/otter/v2"
	"github.com/velro-ai/velro"
)

// Access-token constants. Every instance uses the same values, so any
// instance verifies any other's tokens.
const (
	Issuer         = "velro"
	Audience       = "velro-api"
	AccessTokenTTL = 15 * time.Minute

	signingKeySecret = "jwt_ed25519_seed"
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

// Tokens signs and verifies EdDSA access tokens. The signing key lives in
// the database (generated on first start), so every instance agrees.
// Verified tokens are remembered until they expire: a token is verified
// once per instance, not once per request.
type Tokens struct {
	key      ed25519.PrivateKey
	kid      string
	parser   *jwt.Parser
	verified *otter.Cache[string, AccessClaims]
	now      func() time.Time
}

// NewTokens loads (or creates) the signing key.
func NewTokens(ctx context.Context, secrets velro.SecretStore) (*Tokens, error) {
	seed, err := secrets.Secret(ctx, signingKeySecret, velro.RandomSecret(ed25519.SeedSize))
	if err != nil {
		return nil, err
	}
	if len(seed) != ed25519.SeedSize {
		return nil, errors.New("auth: stored signing key has the wrong size")
	}
	key := ed25519.NewKeyFromSeed(seed)
	sum := sha256.Sum256(key.Public().(ed25519.PublicKey))
	return &Tokens{
		key: key,
		kid: base64.RawURLEncoding.EncodeToString(sum[:12]),
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
			jwt.WithIssuer(Issuer),
			jwt.WithAudience(Audience),
			jwt.WithExpirationRequired(),
		),
		verified: otter.Must(&otter.Options[string, AccessClaims]{
			MaximumSize: 100_000,
			ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, AccessClaims]) time.Duration {
				return time.Until(e.Value.ExpiresAt)
			}),
		}),
		now: time.Now,
	}, nil
}

// Issue returns a signed access token for the session.
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
	tok.Header["kid"] = t.kid
	return tok.SignedString(t.key)
}

// Verify checks the token's signature, algorithm, issuer, audience and
// expiry and returns its claims.
func (t *Tokens) Verify(token string) (AccessClaims, error) {
	if c, ok := t.verified.GetIfPresent(token); ok {
		if t.now().Before(c.ExpiresAt) {
			return c, nil
		}
		return AccessClaims{}, ErrInvalidToken
	}
	var claims jwtClaims
	_, err := t.parser.ParseWithClaims(token, &claims, func(tok *jwt.Token) (any, error) {
		if kid, _ := tok.Header["kid"].(string); kid != t.kid {
			return nil, errors.New("unknown key id")
		}
		return t.key.Public(), nil
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

// JWK is one public key in JWKS form (RFC 8037 for Ed25519).
type JWK struct {
	KeyType   string `json:"kty"`
	Curve     string `json:"crv"`
	X         string `json:"x"`
	KeyID     string `json:"kid"`
	Use       string `json:"use"`
	Algorithm string `json:"alg"`
}

// JWKS is the public key set that verifies access tokens.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// JWKS returns the public keys.
func (t *Tokens) JWKS() JWKS {
	return JWKS{Keys: []JWK{{
		KeyType: "OKP", Curve: "Ed25519", Use: "sig", Algorithm: "EdDSA", KeyID: t.kid,
		X: base64.RawURLEncoding.EncodeToString(t.key.Public().(ed25519.PublicKey)),
	}}}
}
