package storetest

import (
	"bytes"
	"crypto/rand"
	"sync"
	"testing"
)

func testSecrets(t *testing.T, open Opener) {
	s := open(t, 0)
	calls := 0
	gen := func() ([]byte, error) { calls++; return []byte("first"), nil }
	v, _, err := s.Secret(ctx(t), "k", gen)
	must(t, err)
	v2, _, err := s.Secret(ctx(t), "k", func() ([]byte, error) { return []byte("second"), nil })
	must(t, err)
	if string(v) != "first" || string(v2) != "first" || calls != 1 {
		t.Fatalf("secret = %q then %q after %d generations", v, v2, calls)
	}

	// Racing first uses agree on one value.
	const n = 8
	values := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			v, _, err := s.Secret(ctx(t), "race", func() ([]byte, error) { return []byte(rand.Text()), nil })
			if err != nil {
				t.Error(err)
			}
			values[i] = v
		})
	}
	wg.Wait()
	for i := range values {
		if !bytes.Equal(values[i], values[0]) || len(values[i]) == 0 {
			t.Fatalf("racing secrets disagree: %q vs %q", values[i], values[0])
		}
	}
}
