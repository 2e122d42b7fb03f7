package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/guard"
)

const (
	// retiredKeyLifetime is how long a retired key keeps verifying: the
	// life of the last token it signed, plus time for an instance that
	// learns of the rotation late (a missed event, the periodic reload)
	// and signs with it meanwhile.
	retiredKeyLifetime = AccessTokenTTL + 5*time.Minute
	// missReloadEvery bounds the reloads that tokens naming an unknown key
	// can cause.
	missReloadEvery = time.Second
	// droppedKeyAge is how long rotations keep retired keys in the
	// database after they stopped verifying anything.
	droppedKeyAge = 24 * time.Hour
)

// keySet is the signing keys as loaded: the current one signs, every one
// of them verifies.
type keySet struct {
	signer ed25519.PrivateKey
	kid    string
	public map[string]ed25519.PublicKey
	jwks   JWKS
}

// newKeySet builds the set from the stored keys, the current one first.
func newKeySet(keys []velro.SigningKey) (*keySet, error) {
	set := &keySet{public: make(map[string]ed25519.PublicKey, len(keys)), jwks: JWKS{Keys: []JWK{}}}
	for i, k := range keys {
		if len(k.Seed) != ed25519.SeedSize {
			return nil, fmt.Errorf("auth: signing key %d has the wrong size", k.ID)
		}
		priv := ed25519.NewKeyFromSeed(k.Seed)
		pub := priv.Public().(ed25519.PublicKey)
		kid := keyID(pub)
		if i == 0 {
			set.signer, set.kid = priv, kid
		}
		set.public[kid] = pub
		set.jwks.Keys = append(set.jwks.Keys, JWK{KeyType: "OKP", Curve: "Ed25519", Use: "sig", Algorithm: "EdDSA",
			KeyID: kid, X: base64.RawURLEncoding.EncodeToString(pub)})
	}
	return set, nil
}

// keyID names a public key: the start of its SHA-256, so the same key has
// the same kid on every instance and across restarts.
func keyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
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

// RotationStore is what a key rotation needs of the (guarded) store.
type RotationStore interface {
	guard.Guarded
	RotateSigningKey(ctx context.Context, k *velro.SigningKey, dropBefore time.Time) (velro.Effects, error)
}

// RotateSigningKey makes a new current signing key and returns its kid.
// The previous key keeps verifying the tokens it signed until they expire;
// the guarded store tells every instance to reload its keys, and instances
// that miss that re-read them periodically. Keys retired long ago are
// deleted.
func RotateSigningKey(ctx context.Context, store RotationStore) (string, error) {
	seed, err := velro.RandomSecret(ed25519.SeedSize)()
	if err != nil {
		return "", err
	}
	now := velro.Now()
	if _, err := store.RotateSigningKey(ctx, &velro.SigningKey{Seed: seed, CreatedAt: now}, now.Add(-retiredKeyLifetime-droppedKeyAge)); err != nil {
		return "", err
	}
	return keyID(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)), nil
}

// KeepKeysCurrent reloads the signing keys every Config.KeyReload and
// whenever asked (a rotation event, a reconnected bus), until ctx ends. The
// server runs it as one of its background loops (and awaits it).
func (s *Service) KeepKeysCurrent(ctx context.Context) {
	tick := time.NewTicker(s.keyReload)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-s.keysChanged:
		}
		if err := s.tokens.Reload(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "reload signing keys", "error", err)
		}
	}
}
