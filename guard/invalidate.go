package guard

import (
	"context"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// When a cache entry is invalidated: the one list. Every write below drops
// its entries locally before it returns and, through the bus, on every
// other instance (within milliseconds; while the bus is down no instance
// trusts these caches, and on reconnection all of them are flushed; an
// instance that cannot reach Redis sends its events over PostgreSQL, as
// flushes).
//
//	cache                      write                                          drops
//	authz L1 (engine), L2      share, unshare, visibility change,             decisions of the project's scope
//	                           project deleted
//	                           account deleted                                its teams', projects' and generations' scopes
//	                           invitation accepted                            as a member added
//	                           member added/re-roled/removed, team deleted    the team's and its projects' scopes
//	                           generation deleted                             the generation's scope and project's
//	                           upload deleted                                 the upload's scope and project's
//	                           a write whose outcome is unknown               everything (flush)
//	account rows (users)       profile change, credits granted,               that user
//	                           charge (submit), refund (fail, cancel,
//	                           delete in flight)
//	account rows, sessions     role or disabled changed, password changed     that account's row and sessions
//	(auth) by account          or reset, address verified, account deleted    (a reset of unknown outcome: everything)
//	generation rows            start, complete, fail, cancel, favorite,       that generation
//	                           delete; project deleted                        the project's generations
//	                           account deleted                                its generations
//	sessions (auth)            session revoked (logout, refresh reuse)        that session
//	signing keys (auth)        key rotated (velro keys rotate)                the key set (reloaded)
//	all of the above           the bus reconnected (events may be missed)     everything

// afterAccessWrite completes a write that changed access: it drops the
// decisions the change names, here and everywhere. A write whose outcome
// is unknown (a timeout after the commit was sent, say) drops every
// decision: correctness over hit rate.
func (s *Store) afterAccessWrite(ctx context.Context, change velro.AccessChange, err error) {
	switch velro.ErrorCode(err) {
	case "":
		s.authz.Invalidate(ctx, change)
	case velro.ENOTFOUND, velro.ECONFLICT, velro.EINVALID, velro.EFORBIDDEN, velro.EEXPIRED:
		// Refused: nothing was written.
	default:
		s.authz.InvalidateAll(ctx)
	}
}

// usersChanged drops accounts here and on the other instances. It runs
// even after a failed write: the write may have committed before the error.
// Publish applies locally before it sends; a send failure leaves the other
// instances to the bus's reconnection flush.
func (s *Store) usersChanged(ctx context.Context, ids ...uuid.UUID) {
	_ = s.bus.Publish(context.WithoutCancel(ctx), velro.Event{Users: ids})
}

// accountsChanged drops what is cached about the accounts (their rows,
// their sessions' states) here and on the other instances; a CLI command
// publishes the same event (on SQLite the store's account epoch carries it).
func (s *Store) accountsChanged(ctx context.Context, ev velro.Event) {
	_ = s.bus.Publish(context.WithoutCancel(ctx), ev)
}

// generationChanged drops a generation here and everywhere.
func (s *Store) generationChanged(ctx context.Context, id uuid.UUID) {
	_ = s.bus.Publish(context.WithoutCancel(ctx), velro.Event{GenerationRows: []uuid.UUID{id}})
}

// sessionRevoked tells every instance's session cache.
func (s *Store) sessionRevoked(ctx context.Context, id uuid.UUID) error {
	return s.bus.Publish(context.WithoutCancel(ctx), velro.Event{Sessions: []uuid.UUID{id}})
}

// signingKeysChanged tells every instance to reload the signing keys. A
// send that fails is covered by the instances' periodic reload.
func (s *Store) signingKeysChanged(ctx context.Context) {
	_ = s.bus.Publish(context.WithoutCancel(ctx), velro.Event{SigningKeys: true})
}

// apply drops row-cache entries from a bus event (local or remote).
func (s *Store) apply(ev velro.Event) {
	if ev.Flush {
		s.users.InvalidateAll()
		s.generations.InvalidateAll()
	}
	if len(ev.Users) > 0 {
		s.users.Invalidate(ev.Users...)
	}
	if len(ev.Accounts) > 0 {
		s.users.Invalidate(ev.Accounts...)
	}
	if len(ev.GenerationRows) > 0 {
		s.generations.Invalidate(ev.GenerationRows...)
	}
	if len(ev.Projects) > 0 { // a deleted project leaves its generations without one
		projects := make(map[uuid.UUID]bool, len(ev.Projects))
		for _, id := range ev.Projects {
			projects[id] = true
		}
		s.generations.InvalidateIf(func(_ uuid.UUID, g velro.Generation) bool {
			return g.ProjectID != nil && projects[*g.ProjectID]
		})
	}
}
