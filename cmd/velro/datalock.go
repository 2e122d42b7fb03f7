package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofrs/flock"
)

// lockName is the file in the data dir a server on SQLite holds locked.
const lockName = "velro.lock"

// lockDataDir keeps a second server off an SQLite data dir: two servers on
// one database file would each trust their own caches, so a logout on one
// would reach the other only when its cache entry expired. It returns the
// unlock. The commands that operate accounts (users, keys) take no lock:
// they work beside a running server. PostgreSQL instances may share a data
// dir (media on a shared volume): their events travel through the database
// or Redis.
func lockDataDir(cfg *config) (unlock func(), err error) {
	if cfg.postgres != nil {
		return func() {}, nil
	}
	path := filepath.Join(cfg.DataDir, lockName)
	lock := flock.New(path)
	locked, err := lock.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock the data dir %s: %w", cfg.DataDir, err)
	}
	if !locked {
		holder := ""
		if pid, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(pid)) != "" {
			holder = " (pid " + strings.TrimSpace(string(pid)) + ")"
		}
		return nil, fmt.Errorf("the data dir %s is in use by another velro serve%s: stop that one, or give this one its own --data-dir (several instances share PostgreSQL, not SQLite)", cfg.DataDir, holder)
	}
	// Best effort: it names the holder to a server refused later.
	_ = os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
	return func() { lock.Unlock() }, nil
}
