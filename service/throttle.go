package service

import (
	"context"
	"time"

	"github.com/velro-ai/velro/auth"
)

// TeamLimits bounds what others can make Velro mail through teams, and how
// fast add-member can be asked about addresses without an account. A limit
// of 0 or less is no limit.
type TeamLimits struct {
	// InvitesPerInviter: invitations one account may send an hour.
	InvitesPerInviter int
	// InvitesPerTeam: invitations sent from one team an hour, by all its
	// managers together.
	InvitesPerTeam int
	// InvitesPerAddress: invitations one address may be sent a day, from
	// any teams (invite, revoke, invite again is no way round it).
	InvitesPerAddress int
	// UnknownPerCaller and UnknownPerClient: add-member answers for an
	// address without an account, per caller and per client address, an
	// hour. Past either, every add-member answer is 429 until the window
	// ends, so the answers stop telling accounts from strangers.
	UnknownPerCaller, UnknownPerClient int
}

// DefaultTeamLimits: 20 invitations per inviter and 50 per team an hour,
// 3 per address a day; 10 unknown addresses per caller and 30 per client
// an hour.
var DefaultTeamLimits = TeamLimits{InvitesPerInviter: 20, InvitesPerTeam: 50, InvitesPerAddress: 3, UnknownPerCaller: 10, UnknownPerClient: 30}

// scoped is one bucket in the scope it is counted in (an account, a team,
// an address, a client).
type scoped struct {
	scope  string
	bucket auth.Bucket
}

func bucket(scope, key string, limit int, window time.Duration) scoped {
	return scoped{scope: scope, bucket: auth.Bucket{Key: key, Limit: limit, Window: window}}
}

// reservations are attempts taken from several scopes, given back together.
type reservations []*auth.Reservation

// reserve takes an attempt from each bucket, or none and ERATELIMIT with
// message when one is spent.
func reserve(ctx context.Context, t *auth.Throttle, message string, buckets ...scoped) (reservations, error) {
	var taken reservations
	for _, b := range buckets {
		r, err := t.Reserve(ctx, b.scope, message, b.bucket)
		if err != nil {
			taken.release(ctx)
			return nil, err
		}
		taken = append(taken, r)
	}
	return taken, nil
}

// release gives every attempt back: it did not count.
func (rs reservations) release(ctx context.Context) {
	for _, r := range rs {
		r.Release(ctx)
	}
}
