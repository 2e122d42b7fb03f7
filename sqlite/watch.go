package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/bus"
)

// Bus is the event bus of a server on SQLite: events of this process are
// delivered in process, and changes to accounts that another process made
// on the same file (a `velro users` command) are picked up by Sync, which
// authentication calls on every request: such a change takes effect on the
// server's next request.
//
// How Sync sees them cheaply: SQLite's data_version changes when another
// connection has committed to the file since the last look (one read of
// shared memory, no table access); only then is account_epoch read, which
// every write that changes what may use an account moves on. When the
// epoch moved, every cache is flushed.
type Bus struct {
	bus.Local
	log *slog.Logger

	mu      sync.Mutex // one look at a time: a request waits for a flush in progress
	db      *sql.DB    // one connection of its own, so data_version counts every other writer
	version *sql.Stmt
	epoch   *sql.Stmt
	lastVer int64
	lastEp  int64
}

var _ velro.Bus = (*Bus)(nil)

// NewBus opens the watching connection and reads where the file stands.
func NewBus(ctx context.Context, db *DB, log *slog.Logger) (_ *Bus, err error) {
	conn, err := sql.Open("sqlite", dsn(db.path, true))
	if err != nil {
		return nil, err
	}
	conn.SetMaxOpenConns(1)
	conn.SetMaxIdleConns(1)
	conn.SetConnMaxIdleTime(0)
	conn.SetConnMaxLifetime(0)
	b := &Bus{db: conn, log: log}
	defer func() {
		if err != nil {
			b.Close()
		}
	}()
	if b.version, err = conn.PrepareContext(ctx, `PRAGMA data_version`); err != nil {
		return nil, err
	}
	if b.epoch, err = conn.PrepareContext(ctx, `SELECT value FROM account_epoch WHERE id = 1`); err != nil {
		return nil, err
	}
	if err := b.version.QueryRowContext(ctx).Scan(&b.lastVer); err != nil {
		return nil, err
	}
	if err := b.epoch.QueryRowContext(ctx).Scan(&b.lastEp); err != nil {
		return nil, err
	}
	return b, nil
}

// Sync implements velro.Bus. If the file cannot be read, caches are
// flushed (they cannot be known to be current) and the request goes on.
func (b *Bus) Sync(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var ver, ep int64
	if err := b.version.QueryRowContext(ctx).Scan(&ver); err != nil {
		return b.flush(err)
	}
	if ver == b.lastVer {
		return nil
	}
	if err := b.epoch.QueryRowContext(ctx).Scan(&ep); err != nil {
		return b.flush(err)
	}
	b.lastVer = ver
	if ep != b.lastEp {
		b.lastEp = ep
		b.Deliver(velro.Event{Flush: true})
	}
	return nil
}

func (b *Bus) flush(err error) error {
	b.log.Warn("sqlite bus: cannot look for changes by other processes; caches flushed", "error", err)
	b.Deliver(velro.Event{Flush: true})
	return nil
}

// Close releases the watching connection.
func (b *Bus) Close() error { return b.db.Close() }
