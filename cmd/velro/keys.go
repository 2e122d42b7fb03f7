package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/velro-ai/velro/auth"
)

const keysUsage = `usage: velro keys rotate [flags]

Makes a new token-signing key current, on the storage the servers use
(the same settings: DATABASE_URL or --data-dir, REDIS_URL), while they run.
Access tokens signed by the previous key keep working until they expire
(15 minutes); /.well-known/jwks.json lists both keys meanwhile. Running
servers switch at once when they share PostgreSQL or Redis (an event), and
within VELRO_KEY_RELOAD otherwise.
`

// keysCommand runs "velro keys ...".
func keysCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprint(stderr, keysUsage)
		return errors.New(`unknown keys command: use "velro keys rotate"`)
	}
	cfg, err := parseConfig("velro keys rotate", args[1:], getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stderr, keysUsage)
		return nil
	} else if err != nil {
		return err
	}
	if cfg.postgres == nil {
		// Never start an empty database somewhere by mistake.
		if _, err := os.Stat(cfg.sqlitePath()); err != nil {
			return &configError{"data dir " + cfg.DataDir, "has no database", "pass --data-dir or VELRO_DATA_DIR naming the servers' data dir, or DATABASE_URL"}
		}
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	d, err := openDeps(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	// The guarded store announces the rotation on the bus the servers
	// listen to (Redis or PostgreSQL).
	store, _ := d.guarded(cfg, log, nil)
	kid, err := auth.RotateSigningKey(ctx, store)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "velro: new signing key %s; tokens signed by the previous key verify until they expire (%v)\n", kid, auth.AccessTokenTTL)
	return nil
}
