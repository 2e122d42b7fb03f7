package auth_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/auth"
)

// FuzzVerifyToken: arbitrary access tokens never panic the verifier, are
// refused with EUNAUTHORIZED, and the only token accepted is the one the
// signer issued, byte for byte (no alternative encodings of it).
func FuzzVerifyToken(f *testing.F) {
	tokens, err := auth.NewTokens(f.Context(), newStore(f))
	if err != nil {
		f.Fatal(err)
	}
	issued, err := tokens.Issue(uuid.MustParse("01a22c75-ffe2-7557-b777-9b80ed1beaa3"), uuid.MustParse("01a22c75-ffe4-7263-bfab-d4249cc2c269"))
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{issued, issued + "=", issued[:len(issued)-1], "", ".", "..", "a.b.c", "eyJhbGciOiJub25lIn0.e30.",
		"eyJhbGciOiJFZERTQSIsImtpZCI6W119.e30.AA", "eyJhbGciOiJFZERTQSIsImtpZCI6IngifQ.eyJleHAiOjF9.AA"} {
		f.Add(seed)
	}
	// Every other last character: base64's unused bits must not give a
	// token a second spelling.
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		f.Add(issued[:len(issued)-1] + string(c))
	}
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := tokens.Verify(t.Context(), token)
		switch {
		case err == nil && token != issued:
			t.Fatalf("accepted a token that was not issued: %q (%+v)", token, claims)
		case err != nil && velro.ErrorCode(err) != velro.EUNAUTHORIZED:
			t.Fatalf("%q: %v", token, err)
		}
	})
}
