package auth_test

import (
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro/auth"
)

// TestKeyRotation: two signers share a store. After a rotation the one
// that reloaded signs with the new key; the other verifies the new
// tokens (an unknown kid makes it reload) and both verify the old ones;
// the JWKS lists the new key first, then the old.
func TestKeyRotation(t *testing.T) {
	store := newStore(t)
	a, err := auth.NewTokens(t.Context(), store)
	if err != nil {
		t.Fatal(err)
	}
	b, err := auth.NewTokens(t.Context(), store)
	if err != nil {
		t.Fatal(err)
	}
	oldKid := a.CurrentKeyID()
	if b.CurrentKeyID() != oldKid {
		t.Fatalf("two signers on one store disagree: %s, %s", oldKid, b.CurrentKeyID())
	}
	old, err := a.Issue(uuid.New(), uuid.New())
	if err != nil {
		t.Fatal(err)
	}

	kid, err := auth.RotateSigningKey(t.Context(), store)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if a.CurrentKeyID() != kid || kid == oldKid {
		t.Fatalf("after the rotation a signs with %s, want the new %s", a.CurrentKeyID(), kid)
	}
	fresh, err := a.Issue(uuid.New(), uuid.New())
	if err != nil {
		t.Fatal(err)
	}
	for name, tokens := range map[string]*auth.Tokens{"a": a, "b": b} {
		for _, tok := range []string{old, fresh} {
			if _, err := tokens.Verify(t.Context(), tok); err != nil {
				t.Fatalf("%s refuses a token: %v", name, err)
			}
		}
	}
	if b.CurrentKeyID() != kid {
		t.Fatalf("b verified a token of the new key but still signs with %s", b.CurrentKeyID())
	}
	var kids []string
	for _, k := range b.JWKS().Keys {
		kids = append(kids, k.KeyID)
	}
	if !slices.Equal(kids, []string{kid, oldKid}) {
		t.Fatalf("JWKS lists %v, want [%s %s]", kids, kid, oldKid)
	}
}
