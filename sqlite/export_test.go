package sqlite

import "context"

// Look is one look of the watch loop, for tests that count looks.
func (b *Bus) Look(ctx context.Context) { b.look(ctx) }
