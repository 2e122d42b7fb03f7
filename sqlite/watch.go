package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/bus"
)

// WatchEvery is how often a server on SQLite looks for account changes
// another process (a `velro users` command) made on its file: such a
// change takes effect within this period.
const WatchEvery = 100 * time.Millisecond

// Bus is the event bus of a server on SQLite: events of this process are
// delivered in process, and changes to accounts that another process made
// on the same file are picked up by Watch, a loop of the server.
//
// Why a loop and not a look per request: the look is a query on one
// connection, and asking it on every request queued every request of the
// process behind it (a third of the hot path's throughput). Requests never
// wait for it now; the price is that another process's change takes effect
// within WatchEvery rather than on the very next request.
//
// How a look sees changes cheaply: SQLite's data_version changes when
// another connection has committed to the file since the last look (one
// read of shared memory, no table access); only then is account_epoch
// read, which every write that changes what may use an account moves on.
// When the epoch moved, every cache is flushed.
type Bus struct {
	bus.Local
	log *slog.Logger

	db      *sql.DB // one connection of its own, so data_version counts every other writer
	version *sql.Stmt
	epoch   *sql.Stmt
	lastVer int64 // owned by the watching goroutine
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

// Watch looks for other processes' account changes every period until ctx
// ends.
func (b *Bus) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			b.look(ctx)
		}
	}
}

// look flushes the caches if another process changed an account since the
// last look. If the file cannot be read, caches are flushed too: they
// cannot be known to be current.
func (b *Bus) look(ctx context.Context) {
	var ver, ep int64
	if err := b.version.QueryRowContext(ctx).Scan(&ver); err != nil {
		b.flush(ctx, err)
		return
	}
	if ver == b.lastVer {
		return
	}
	if err := b.epoch.QueryRowContext(ctx).Scan(&ep); err != nil {
		b.flush(ctx, err)
		return
	}
	b.lastVer = ver
	if ep != b.lastEp {
		b.lastEp = ep
		b.Deliver(velro.Event{Flush: true})
	}
}

func (b *Bus) flush(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return // the server is stopping
	}
	b.log.Warn("sqlite bus: cannot look for changes by other processes; caches flushed", "error", err)
	b.Deliver(velro.Event{Flush: true})
}

// Close releases the watching connection.
func (b *Bus) Close() error { return b.db.Close() }
