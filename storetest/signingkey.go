package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/velro-ai/velro"
)

func signingKey(seed string, at time.Time) *velro.SigningKey {
	return &velro.SigningKey{Seed: []byte(seed), CreatedAt: at}
}

// seeds lists the seeds of keys, and which of them are retired.
func seeds(keys []velro.SigningKey) (out []string, retired []bool) {
	for _, k := range keys {
		out = append(out, string(k.Seed))
		retired = append(retired, k.RetiredAt != nil)
	}
	return out, retired
}

func testSigningKeys(t *testing.T, open Opener) {
	s := open(t, 0)
	past := velro.Now().Add(-time.Hour)
	keys, err := s.SigningKeys(ctx(t), past)
	must(t, err)
	if len(keys) != 0 {
		t.Fatalf("a fresh store has keys: %v", keys)
	}

	t0 := velro.Now()
	first := signingKey("first", t0)
	if created, _, err := s.CreateSigningKey(ctx(t), first); err != nil || !created || first.ID == 0 {
		t.Fatalf("first key: created=%v id=%d, %v", created, first.ID, err)
	}
	if created, _, err := s.CreateSigningKey(ctx(t), signingKey("second", t0)); err != nil || created {
		t.Fatalf("a second first key: created=%v, %v", created, err)
	}

	t1 := t0.Add(time.Minute)
	next := signingKey("next", t1)
	must(t, errOf(s.RotateSigningKey(ctx(t), next, past)))
	keys, err = s.SigningKeys(ctx(t), past)
	must(t, err)
	if got, retired := seeds(keys); len(got) != 2 || got[0] != "next" || got[1] != "first" || retired[0] || !retired[1] ||
		!keys[1].RetiredAt.Equal(t1) || keys[0].ID != next.ID || !keys[0].CreatedAt.Equal(t1) {
		t.Fatalf("after a rotation: %v %v (%+v)", got, retired, keys)
	}
	// Retired at t1 is not retired after t1.
	keys, err = s.SigningKeys(ctx(t), t1)
	must(t, err)
	if got, _ := seeds(keys); len(got) != 1 || got[0] != "next" {
		t.Fatalf("keys retired after %v: %v", t1, got)
	}
	// A rotation deletes keys retired before dropBefore.
	t2 := t1.Add(time.Minute)
	must(t, errOf(s.RotateSigningKey(ctx(t), signingKey("third", t2), t2)))
	keys, err = s.SigningKeys(ctx(t), past)
	must(t, err)
	if got, _ := seeds(keys); len(got) != 2 || got[0] != "third" || got[1] != "next" {
		t.Fatalf("after dropping the first: %v", got)
	}

	// Racing rotations: each wins or gets ECONFLICT; one key is current.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := s.RotateSigningKey(ctx(t), signingKey("racer", velro.Now()), past)
			if code := velro.ErrorCode(err); code != "" && code != velro.ECONFLICT {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	keys, err = s.SigningKeys(ctx(t), past)
	must(t, err)
	if _, retired := seeds(keys); retired[0] || countFalse(retired) != 1 {
		t.Fatalf("after racing rotations the keys retired are %v", retired)
	}

	// Racing first starts on a fresh store keep one key.
	fresh := open(t, 0)
	created := make(chan bool, 8)
	for range 8 {
		wg.Go(func() {
			ok, _, err := fresh.CreateSigningKey(ctx(t), signingKey("racer", velro.Now()))
			if err != nil {
				t.Error(err)
			}
			created <- ok
		})
	}
	wg.Wait()
	close(created)
	n := 0
	for ok := range created {
		if ok {
			n++
		}
	}
	keys, err = fresh.SigningKeys(ctx(t), past)
	must(t, err)
	if n != 1 || len(keys) != 1 {
		t.Fatalf("racing first keys: %d created, %d stored", n, len(keys))
	}
}

func countFalse(bs []bool) int {
	n := 0
	for _, b := range bs {
		if !b {
			n++
		}
	}
	return n
}
