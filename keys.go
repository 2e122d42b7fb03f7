package velro

import (
	"context"
	"time"
)

// SigningKey is an Ed25519 key that signs access tokens. One key is
// current and signs; a rotation retires it, and a retired key still
// verifies the tokens it signed until they expire.
type SigningKey struct {
	ID        int64 // ascending: the newest key has the largest id
	Seed      []byte
	CreatedAt time.Time
	RetiredAt *time.Time
}

// SigningKeyReader reads the signing keys every instance shares.
type SigningKeyReader interface {
	// SigningKeys returns the current key and the keys retired after
	// retiredAfter, newest (the current one) first.
	SigningKeys(ctx context.Context, retiredAfter time.Time) ([]SigningKey, error)
}

// SigningKeyWriter creates and rotates the signing keys.
type SigningKeyWriter interface {
	// CreateSigningKey stores k as the current key if there is none
	// (instances racing on a first start keep one) and reports whether it
	// did; it sets k.ID.
	CreateSigningKey(ctx context.Context, k *SigningKey) (bool, Effects, error)
	// RotateSigningKey, in one transaction, retires the current key at
	// k.CreatedAt, makes k current (setting k.ID) and deletes keys retired
	// before dropBefore. ECONFLICT when a concurrent rotation won.
	RotateSigningKey(ctx context.Context, k *SigningKey, dropBefore time.Time) (Effects, error)
}
