package auth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/auth"
	"github.com/velro-ai/velro/auth/limitertest"
	"github.com/velro-ai/velro/guard"
	"github.com/velro-ai/velro/internal/testenv"
)

func newStore(t testing.TB) *guard.Store {
	return testenv.Guard(testenv.Store(t, testenv.SQLite(t), 0))
}

// signed returns a token with the given claims, header method and key.
func signed(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestHostileTokens(t *testing.T) {
	store := newStore(t)
	tokens, err := auth.NewTokens(t.Context(), store)
	if err != nil {
		t.Fatal(err)
	}
	user, session := uuid.New(), uuid.New()
	good, err := tokens.Issue(user, session)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := tokens.Verify(t.Context(), good)
	if err != nil || claims.UserID != user || claims.SessionID != session {
		t.Fatalf("good token: %+v, %v", claims, err)
	}

	jwk := tokens.JWKS().Keys[0]
	kid := jwk.KeyID
	now := time.Now()
	valid := func() jwt.MapClaims {
		return jwt.MapClaims{"sub": user.String(), "sid": session.String(), "iss": auth.Issuer, "aud": auth.Audience,
			"iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
	}
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	// Flip one bit of the decoded signature (editing base64 text can touch
	// only padding bits and change nothing).
	parts := strings.Split(good, ".")
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	sig[10] ^= 1
	flipped := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)
	pubRaw := []byte(jwk.X) // the public key as published, used as an HMAC secret

	with := func(mod func(c jwt.MapClaims)) jwt.MapClaims {
		c := valid()
		mod(c)
		return c
	}
	// Tokens signed by anyone but the service, under the service's kid.
	cases := map[string]string{
		"alg none":            signed(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, kid, valid()),
		"flipped signature":   flipped,
		"other key":           signed(t, jwt.SigningMethodEdDSA, otherKey, kid, valid()),
		"HS256 by public key": signed(t, jwt.SigningMethodHS256, pubRaw, kid, valid()),
		"truncated":           good[:len(good)-10],
		"empty":               "",
		"not a jwt":           "hello",
		"expired (other key)": signed(t, jwt.SigningMethodEdDSA, otherKey, kid, with(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() })),
	}
	for name, tok := range cases {
		if _, err := tokens.Verify(t.Context(), tok); velro.ErrorCode(err) != velro.EUNAUTHORIZED {
			t.Errorf("%s: accepted or wrong error: %v", name, err)
		}
	}
}

// TestClaimChecks signs with the service's real key (through a second
// Tokens sharing the store), so only the claim under test is wrong.
func TestClaimChecks(t *testing.T) {
	store := newStore(t)
	tokens, err := auth.NewTokens(t.Context(), store)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := store.SigningKeys(t.Context(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	key := ed25519.NewKeyFromSeed(keys[0].Seed)
	kid := tokens.JWKS().Keys[0].KeyID
	now := time.Now()
	base := func() jwt.MapClaims {
		return jwt.MapClaims{"sub": uuid.NewString(), "sid": uuid.NewString(), "iss": auth.Issuer, "aud": auth.Audience,
			"iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
	}
	if _, err := tokens.Verify(t.Context(), signed(t, jwt.SigningMethodEdDSA, key, kid, base())); err != nil {
		t.Fatalf("control token refused: %v", err)
	}
	mods := map[string]func(jwt.MapClaims){
		"expired":       func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Second).Unix() },
		"no expiry":     func(c jwt.MapClaims) { delete(c, "exp") },
		"other issuer":  func(c jwt.MapClaims) { c["iss"] = "someone-else" },
		"no issuer":     func(c jwt.MapClaims) { delete(c, "iss") },
		"other aud":     func(c jwt.MapClaims) { c["aud"] = "another-api" },
		"bad subject":   func(c jwt.MapClaims) { c["sub"] = "admin" },
		"no session id": func(c jwt.MapClaims) { delete(c, "sid") },
	}
	for name, mod := range mods {
		c := base()
		mod(c)
		if _, err := tokens.Verify(t.Context(), signed(t, jwt.SigningMethodEdDSA, key, kid, c)); velro.ErrorCode(err) != velro.EUNAUTHORIZED {
			t.Errorf("%s: accepted or wrong error: %v", name, err)
		}
	}
	if _, err := tokens.Verify(t.Context(), signed(t, jwt.SigningMethodEdDSA, key, "other-kid", base())); err == nil {
		t.Error("unknown kid accepted")
	}
}

func TestPasswordHashing(t *testing.T) {
	h := auth.NewHasher(auth.OWASPParams(), 2, time.Second)
	ctx := context.Background()
	phc, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("PHC string %q", phc)
	}
	if ok, err := h.Verify(ctx, phc, "correct horse"); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, _ := h.Verify(ctx, phc, "wrong horse"); ok {
		t.Fatal("wrong password accepted")
	}
	if ok, err := h.Verify(ctx, "", "anything"); ok || err != nil {
		t.Fatalf("unknown account: %v %v", ok, err)
	}
	if other, _ := h.Hash(ctx, "correct horse"); other == phc {
		t.Fatal("two hashes of one password share a salt")
	}
	// Hashes made with other parameters still verify.
	weak := auth.NewHasher(auth.Argon2Params{Memory: 8 * 1024, Time: 1, Threads: 1}, 1, time.Second)
	old, _ := weak.Hash(ctx, "legacy")
	if ok, err := h.Verify(ctx, old, "legacy"); !ok || err != nil {
		t.Fatalf("hash with older parameters: %v %v", ok, err)
	}
}

func TestHasherBoundsConcurrency(t *testing.T) {
	h := auth.NewHasher(auth.OWASPParams(), 1, 10*time.Millisecond)
	ctx := context.Background()
	errs := make(chan error, 8)
	for range 8 {
		go func() { _, err := h.Hash(ctx, "p"); errs <- err }()
	}
	busy := 0
	for range 8 {
		if err := <-errs; velro.ErrorCode(err) == velro.EUNAVAILABLE {
			busy++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if busy == 0 {
		t.Fatal("8 hashes through a semaphore of 1 with a 10 ms wait never reported busy")
	}
}

func TestValidatePassword(t *testing.T) {
	for pw, ok := range map[string]bool{
		"short1A":                false,
		"abcdefgh":               false,
		"ABCDEFGH":               false,
		"12345678":               false,
		"abcdefg1":               true,
		"pass word":              true,
		strings.Repeat("aB", 64): true,
		strings.Repeat("aB", 65): false,
		"ünïcödé1":               true,
		"        ":               false,
	} {
		if err := auth.ValidatePassword(pw); (err == nil) != ok {
			t.Errorf("ValidatePassword(%q) = %v, want ok=%v", pw, err, ok)
		}
	}
}

func TestMemoryLimiter(t *testing.T) {
	limitertest.Run(t, func(t *testing.T) (auth.Limiter, auth.Limiter) {
		l := auth.NewMemoryLimiter()
		return l, l
	})
}
