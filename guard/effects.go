package guard

import (
	"context"
	"errors"
	"time"

	"github.com/velro-ai/velro"
)

// What every write's effects drop, and where: the one list. The store
// names the effects in each write's transaction (velro.Effects, one field
// per cache); publish sends them as one event, applied here before the
// write returns and, through the bus, on every other instance (within
// milliseconds; while the bus is down no instance trusts these caches, and
// on reconnection all of them are flushed; an instance that cannot reach
// Redis sends its events over PostgreSQL, as flushes).
//
//	effect (cache)              writes                                         drops
//	Access (authz L1, L2)       share, unshare, visibility change,             decisions of the project's scope
//	                            project deleted
//	                            member added/re-roled/removed, invitation      the team's and its projects' scopes
//	                            accepted, team deleted
//	                            generation deleted, upload deleted             its scope and its project's
//	                            account deleted                                its teams', projects', generations'
//	                                                                           and uploads' scopes
//	Users (account rows)        profile change, credits granted, charge        that account's row
//	                            (submit), refund (fail, cancel, delete in
//	                            flight), role or disabled changed, password
//	                            changed or reset, address verified, deleted
//	Sessions (auth)             logout, refresh-token reuse, password          those sessions' states
//	                            changed or reset, account disabled or deleted
//	Generations (rows)          start, complete, fail, cancel, favorite,       those generations
//	                            delete; project or account deleted (its
//	                            generations leave the project)
//	Statuses (streams, workers) start, complete, fail, cancel, delete,         wakes their watchers
//	                            account deleted
//	SigningKeys (auth)          key rotated (velro keys rotate)                the key set (reloaded)
//	everything (Flush)          the bus reconnected (events may be missed)     everything
//
// The other writes (new rows, invitations but accepted ones, team names,
// tokens, mails, provider state, audit) change nothing that is cached:
// their effects are empty, and TestEveryWritePublishesItsEffects holds
// every write to a written expectation.

// publishTimeout bounds what one write's effects take: L2 and the bus.
const publishTimeout = 2 * time.Second

// publish applies a write's effects everywhere and returns err. L2 goes
// first, so no instance refills its L1 from it; then the event, which the
// bus delivers here before it returns. A failed write applies nothing,
// unless it may have committed: then its effects apply all the same, its
// status changes unconfirmed. It runs to the end even if the request that
// wrote is gone.
func (s *Store) publish(ctx context.Context, eff velro.Effects, err error) error {
	if err != nil {
		if !errors.Is(err, velro.ErrMaybeCommitted) {
			return err
		}
		eff = eff.Unconfirmed()
	}
	if eff.IsZero() {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	s.authz.InvalidateShared(ctx, eff.Access)
	// A send that fails leaves the other instances to the bus's flush
	// once it works again (the bus logs it).
	_ = s.bus.Publish(ctx, velro.Event{Effects: eff})
	return err
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
	if len(ev.Generations) > 0 {
		s.generations.Invalidate(ev.Generations...)
	}
}
