package auth

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/velro-ai/velro/internal/testenv"
)

// TestUnknownKeyReloads: a token naming a key this instance does not know
// makes it reload its keys, at most once a second (made-up kids cannot
// make it read the database per request); a retired key stops verifying
// once its lifetime has passed.
func TestUnknownKeyReloads(t *testing.T) {
	store := testenv.Guard(testenv.Store(t, testenv.SQLite(t), 0))
	signer, err := NewTokens(t.Context(), store)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := NewTokens(t.Context(), store)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now()
	verifier.now = func() time.Time { return clock }
	issueNew := func() string {
		t.Helper()
		if _, err := RotateSigningKey(t.Context(), store); err != nil {
			t.Fatal(err)
		}
		if err := signer.Reload(t.Context()); err != nil {
			t.Fatal(err)
		}
		tok, err := signer.Issue(uuid.New(), uuid.New())
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	firstKeys, err := store.SigningKeys(t.Context(), clock)
	if err != nil {
		t.Fatal(err)
	}

	second := issueNew()
	if _, err := verifier.Verify(t.Context(), second); err != nil {
		t.Fatalf("a token of a key rotated to a moment ago: %v", err)
	}
	third := issueNew()
	if _, err := verifier.Verify(t.Context(), third); err == nil {
		t.Fatal("a second unknown kid within the second reloaded again")
	}
	clock = clock.Add(missReloadEvery)
	if _, err := verifier.Verify(t.Context(), third); err != nil {
		t.Fatalf("an unknown kid a second later: %v", err)
	}

	// The first key, retired by the first rotation, verifies a token it
	// signs now until its lifetime has passed, then no more.
	forged := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwtClaims{SessionID: uuid.NewString(), RegisteredClaims: jwt.RegisteredClaims{
			Subject: uuid.NewString(), Issuer: Issuer, Audience: jwt.ClaimStrings{Audience},
			ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour)),
		}})
		tok.Header["kid"] = keyID(ed25519.NewKeyFromSeed(firstKeys[0].Seed).Public().(ed25519.PublicKey))
		s, err := tok.SignedString(ed25519.NewKeyFromSeed(firstKeys[0].Seed))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if _, err := verifier.Verify(t.Context(), forged()); err != nil {
		t.Fatalf("the retired key within its lifetime: %v", err)
	}
	clock = clock.Add(retiredKeyLifetime + time.Minute)
	if err := verifier.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := verifier.Verify(t.Context(), forged()); err == nil {
		t.Fatal("the retired key still verifies after its lifetime")
	}
	if keys := verifier.JWKS().Keys; len(keys) != 1 || keys[0].KeyID != signer.CurrentKeyID() {
		t.Fatalf("JWKS lists %v, want only the current key once the others' lifetimes passed", keys)
	}
}
