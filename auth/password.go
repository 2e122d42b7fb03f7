package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/velro-ai/velro"
	"golang.org/x/crypto/argon2"
)

// Argon2Params are argon2id cost parameters. They are stored in every PHC
// string, so raising them later keeps old hashes verifiable.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// OWASPParams is the OWASP minimum for argon2id: m=19 MiB, t=2, p=1.
func OWASPParams() Argon2Params { return Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1} }

const (
	saltLen = 16
	keyLen  = 32
)

// PasswordHasher hashes passwords and checks them against hashes.
type PasswordHasher interface {
	// Hash returns the PHC string of password.
	Hash(ctx context.Context, password string) (string, error)
	// Verify reports whether password matches the PHC string; an empty
	// phc (unknown account) takes the same time and reports false.
	Verify(ctx context.Context, phc, password string) (bool, error)
}

var _ PasswordHasher = (*Hasher)(nil)

// Hasher hashes and verifies passwords with argon2id. A semaphore bounds
// concurrent hashes, so memory stays bounded in a login storm: excess
// callers wait up to MaxWait, then get EUNAVAILABLE rather than an OOM.
type Hasher struct {
	params  Argon2Params
	sem     chan struct{}
	maxWait time.Duration
	dummy   string // verified against for unknown accounts
}

// NewHasher returns a Hasher allowing concurrency hashes at a time (0 means
// GOMAXPROCS).
func NewHasher(params Argon2Params, concurrency int, maxWait time.Duration) *Hasher {
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	h := &Hasher{params: params, sem: make(chan struct{}, concurrency), maxWait: maxWait}
	// Only the dummy's parameters matter (Verify never accepts it), so it
	// is not derived: a hash at start-up left 19 MiB to the idle process.
	h.dummy = h.encode(make([]byte, saltLen), make([]byte, keyLen))
	return h
}

// Hash returns the PHC string of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, saltLen)
	rand.Read(salt)
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return h.encode(salt, h.derive([]byte(password), salt, h.params)), nil
}

// Verify reports whether password matches the PHC string. An empty phc
// (unknown account) is checked against a dummy hash, so the answer takes
// the same time either way.
func (h *Hasher) Verify(ctx context.Context, phc, password string) (bool, error) {
	known := phc != ""
	if !known {
		phc = h.dummy
	}
	params, salt, want, err := decodePHC(phc)
	if err != nil {
		return false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	got := h.derive([]byte(password), salt, params)
	return known && subtle.ConstantTimeCompare(got, want) == 1, nil
}

func (h *Hasher) derive(password, salt []byte, p Argon2Params) []byte {
	return argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, keyLen)
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	default:
	}
	timer := time.NewTimer(h.maxWait)
	defer timer.Stop()
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-timer.C:
		return velro.Errorf(velro.EUNAVAILABLE, "The server is busy; try again shortly.")
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.sem }

var b64 = base64.RawStdEncoding

func (h *Hasher) encode(salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.params.Memory, h.params.Time, h.params.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

var errBadPHC = errors.New("auth: malformed argon2id hash")

func decodePHC(phc string) (p Argon2Params, salt, key []byte, err error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, errBadPHC
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errBadPHC
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, errBadPHC
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return p, nil, nil, errBadPHC
	}
	if key, err = b64.DecodeString(parts[5]); err != nil {
		return p, nil, nil, errBadPHC
	}
	return p, salt, key, nil
}

// ValidatePassword enforces the rule docs/guide.md states: 8..128 characters, not all of
// one class (lower-case, upper-case, digits, others).
func ValidatePassword(password string) error { return validatePassword("password", password) }

// validatePassword is ValidatePassword naming the field it checks.
func validatePassword(field, password string) error {
	n := utf8.RuneCountInString(password)
	if n < 8 || n > 128 {
		return velro.Invalid(field, "must be 8 to 128 characters long")
	}
	var lower, upper, digit, other bool
	for _, r := range password {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	classes := 0
	for _, has := range []bool{lower, upper, digit, other} {
		if has {
			classes++
		}
	}
	if classes < 2 {
		return velro.Invalid(field, "must mix at least two kinds of characters (lower-case, upper-case, digits, symbols)")
	}
	return nil
}
