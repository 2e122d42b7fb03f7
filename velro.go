// Package velro holds the domain of the Velro backend: its types, the
// interfaces its services and stores implement, the error codes they return,
// and the authorization rules as pure functions. Packages named after a
// dependency (sqlite, postgres, redis, ...) implement these interfaces;
// cmd/velro wires them together.
package velro

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Version is the build version reported by /health and `velro version`.
// Release builds set it with -ldflags "-X github.com/velro-ai/velro.Version=...".
var Version = "dev"

// WelcomeCredits is the balance every new account starts with, recorded as a
// bonus ledger entry.
const WelcomeCredits = 1000

// NewID returns a new time-ordered (v7) UUID, which keeps primary-key
// indexes append-mostly.
func NewID() uuid.UUID {
	return uuid.Must(uuid.NewV7())
}

// Now returns the current time in UTC truncated to microseconds, the
// precision both storage engines keep, so a value read back equals the value
// written.
func Now() time.Time {
	return time.Now().UTC().Truncate(time.Microsecond)
}

// Page selects a window of a list. Limit is 1..100 (default 50).
type Page struct {
	Limit  int
	Offset int
}

// Pagination defaults (docs/guide.md, "Requests and responses").
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 100
)

// Store is everything Velro keeps in its database: its reads and its
// writes. The sqlstore package implements it on SQLite and PostgreSQL;
// storetest is the conformance suite both must pass; the guard wraps it
// and is the only way the rest of Velro reaches it.
type Store interface {
	Reader
	Writer
}

// Reader is every read of the Store: reads change nothing, so they pass
// through the guard (which serves two of them from its caches).
type Reader interface {
	UserReader
	AccountReader
	SessionReader
	MFAReader
	SigningKeyReader
	CreditReader
	ProjectReader
	TeamReader
	InvitationReader
	GenerationReader
	UploadReader
	AccessStore
	AuditReader
	PaymentReader
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
}

// Writer is every write of the Store. Each returns the Effects of what it
// committed (zero when it was refused or failed), which the guard
// publishes; a write whose commit was sent but not confirmed fails with
// ErrMaybeCommitted and returns the effects it would have had.
type Writer interface {
	UserWriter
	AccountWriter
	SessionWriter
	MFAWriter
	SecretWriter
	SigningKeyWriter
	CreditWriter
	ProjectWriter
	TeamWriter
	InvitationWriter
	GenerationWriter
	UploadWriter
	AuditWriter
	PaymentWriter
}
