package sqlstore

import (
	"cmp"
	"context"
	"encoding/binary"
	"slices"

	"github.com/google/uuid"
)

// Access locks serialise the transactions that rewrite the effective
// access of the same project. Without them two concurrent rewrites
// interleave: each deletes the project's rows and inserts what it computed
// from a snapshot that lacks the other's change, and access removed by one
// lives on in the table for good.
//
// Every transaction that changes who may access a project takes its locks
// before any write, and in one global order: users, then teams, then
// projects, each by key. So two writers never wait on each other in a
// cycle. A write that makes a user a member (a new team, a member added or
// an invitation accepted) locks that user shared; deleting an account
// locks it exclusively, so the set of its teams cannot grow under the
// deletion. A membership write locks its team exclusively (the set of
// projects shared with the team must not change under it) and then every
// project shared with the team; a share locks its team shared and its
// project exclusively; a visibility change or deletion locks the project.
// The locks end with the transaction.
//
// On PostgreSQL they are transaction-level advisory locks; on SQLite the
// single writer connection already runs one transaction at a time.

// lockKind orders the locks of one transaction: lower kinds first.
type lockKind uint8

const (
	lockUser lockKind = iota + 1
	lockTeam
	lockProject
)

// Lock is one access lock to take.
type Lock struct {
	Key    int64
	Shared bool
}

// lockKey is the advisory-lock key of a resource: the kind in the top
// byte, then 56 bits of the id's random tail (UUIDv4 and v7 both end in
// random bits). Two ids sharing a key only make their writers wait for
// each other.
func lockKey(kind lockKind, id uuid.UUID) int64 {
	tail := binary.BigEndian.Uint64(id[8:]) & (1<<56 - 1)
	return int64(uint64(kind)<<56 | tail)
}

// lockUser takes a user's access lock. It must come before any other lock
// of its transaction.
func (s *Store) lockUser(ctx context.Context, tx Querier, id uuid.UUID, shared bool) error {
	return s.engine.Lock(ctx, tx, Lock{Key: lockKey(lockUser, id), Shared: shared})
}

// lockAccess takes the locks of the teams (shared or exclusive) and of the
// projects (always exclusive), in the global order. It must come before any
// write of its transaction, and a later call may only add project locks.
func (s *Store) lockAccess(ctx context.Context, tx Querier, teams []uuid.UUID, sharedTeams bool, projects []uuid.UUID) error {
	locks := make([]Lock, 0, len(teams)+len(projects))
	for _, id := range teams {
		locks = append(locks, Lock{Key: lockKey(lockTeam, id), Shared: sharedTeams})
	}
	for _, id := range projects {
		locks = append(locks, Lock{Key: lockKey(lockProject, id)})
	}
	slices.SortFunc(locks, func(a, b Lock) int {
		if a.Key != b.Key {
			return cmp.Compare(a.Key, b.Key)
		}
		if a.Shared == b.Shared {
			return 0
		}
		if !a.Shared {
			return -1 // exclusive first: compacting keeps it, and it covers the shared one
		}
		return 1
	})
	locks = slices.CompactFunc(locks, func(a, b Lock) bool { return a.Key == b.Key })
	for _, l := range locks {
		if err := s.engine.Lock(ctx, tx, l); err != nil {
			return err
		}
	}
	return nil
}
