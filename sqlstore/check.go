package sqlstore

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// txAuthorizer answers access questions inside a write's transaction,
// from the effective-access table as that transaction sees it: the rule of
// a write is decided on what the write commits against.
type txAuthorizer struct{ tx Querier }

func (a txAuthorizer) Access(ctx context.Context, user uuid.UUID, kind velro.Kind, id uuid.UUID) (velro.Access, error) {
	f, err := accessFacts(ctx, a.tx, tableFactsSQL, user, kind, id)
	return f.Access(kind), err
}

// errNoCheck refuses a write called without its rule: every write names
// one, velro.NoRule when no user is behind it.
var errNoCheck = errors.New("sqlstore: write without a check (pass velro.NoRule for the system's own writes)")

// runCheck re-checks a write's rule in its transaction. It must run after
// the write's locks and before the write.
func runCheck(ctx context.Context, tx Querier, check velro.Check) error {
	if check == nil {
		return errNoCheck
	}
	return check(ctx, txAuthorizer{tx})
}
