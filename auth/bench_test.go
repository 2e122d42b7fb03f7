package auth_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro/auth"
)

func BenchmarkPasswordHash(b *testing.B) {
	h := auth.NewHasher(auth.OWASPParams(), 0, 0)
	for b.Loop() {
		if _, err := h.Hash(context.Background(), "correct horse battery"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTokenVerify(b *testing.B) {
	tokens, err := auth.NewTokens(b.Context(), newStore(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("first-sight", func(b *testing.B) {
		// A new token each time: the full EdDSA verification.
		toks := make([]string, b.N)
		for i := range toks {
			toks[i], _ = tokens.Issue(uuid.New(), uuid.New())
		}
		b.ResetTimer()
		for i := range b.N {
			if _, err := tokens.Verify(b.Context(), toks[i]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("seen-before", func(b *testing.B) {
		tok, _ := tokens.Issue(uuid.New(), uuid.New())
		tokens.Verify(b.Context(), tok)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tokens.Verify(b.Context(), tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAuthenticate(b *testing.B) {
	store := newStore(b)
	svc, err := auth.NewService(b.Context(), store, auth.Config{Hasher: auth.NewHasher(auth.OWASPParams(), 0, 0)})
	if err != nil {
		b.Fatal(err)
	}
	res, err := svc.Register(b.Context(), "bench@example.com", "Passw0rd!", "", "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.Authenticate(context.Background(), res.AccessToken); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkLogin(b *testing.B) {
	store := newStore(b)
	svc, err := auth.NewService(b.Context(), store, auth.Config{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.Register(b.Context(), "bench@example.com", "Passw0rd!", "", "127.0.0.1"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := svc.Login(context.Background(), "bench@example.com", "Passw0rd!", "127.0.0.1"); err != nil {
			b.Fatal(err)
		}
	}
}
