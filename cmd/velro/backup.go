package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/velro-ai/velro/backup"
	"github.com/velro-ai/velro/media"
	"github.com/velro-ai/velro/replica"
	"github.com/velro-ai/velro/sqlite"
	"github.com/velro-ai/velro/sqlstore"
)

const backupUsage = `usage: velro backup COMMAND [flags] [arguments]

Snapshots of the embedded default, taken while servers run: the SQLite
database (which holds the token-signing keys too) and the media of the data
dir, as one velro-<UTC time>.tar.gz with a manifest of SHA-256 sums,
written owner-only. On PostgreSQL use pg_dump and WAL archiving instead.

commands:
  create [--to DIR|s3://...]   take a snapshot (default VELRO_BACKUP_TO, else <data-dir>/backups)
  list [--from DIR|s3://...]   the backups there, newest first, and when each was verified
  verify FILE                  check every file's sum and the database's integrity
  restore --data-dir DIR FILE  verify FILE, then put it into DIR (missing or empty)
  restore --data-dir DIR --from-replica URL [--at RFC3339]
                               restore the database from the replica VELRO_REPLICA_URL
                               streams to, as it is or as it was at a time

FILE is a path, or an archive's s3:// URL (s3://bucket/prefix/velro-...tar.gz?endpoint=...).
A restore brings back sessions and signing keys revoked after the snapshot:
--end-sessions ends every session of the restored data (everyone signs in again).
The other flags are the server's (velro serve -h): --data-dir, DATABASE_URL,
VELRO_MEDIA_URL, VELRO_BACKUP_TO and the AWS variables.
`

// postgresBackups says what to use on PostgreSQL instead.
const postgresBackups = "back up PostgreSQL with its own tools: pg_dump for snapshots, WAL archiving (or your provider's point-in-time recovery) for continuous protection, and S3 bucket versioning for media (docs/operations.md, \"PostgreSQL\")"

// backupFlags are the flags of velro backup's commands besides the server's.
type backupFlags struct {
	to, from, fromReplica, at string
	endSessions               bool
}

func (f *backupFlags) add(sub string) func(*flag.FlagSet) {
	return func(fs *flag.FlagSet) {
		switch sub {
		case "create":
			fs.StringVar(&f.to, "to", "", "directory or s3:// URL to write the backup to")
		case "list":
			fs.StringVar(&f.from, "from", "", "directory or s3:// URL to list")
		case "restore":
			fs.StringVar(&f.fromReplica, "from-replica", "", "restore from this replica (file:// or s3://) instead of an archive")
			fs.StringVar(&f.at, "at", "", "with --from-replica: the time to restore to (RFC 3339); the latest state without")
			fs.BoolVar(&f.endSessions, "end-sessions", false, "end every session of the restored data")
		}
	}
}

// backupCommand runs "velro backup ...".
func backupCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	sub := ""
	if len(args) > 0 {
		sub = args[0]
	}
	arity, ok := map[string][2]int{"create": {0, 0}, "list": {0, 0}, "verify": {1, 1}, "restore": {0, 1}}[sub]
	if !ok {
		fmt.Fprint(stderr, backupUsage)
		return fmt.Errorf("unknown backup command %q: use create, list, verify or restore", sub)
	}
	var f backupFlags
	cfg, rest, err := parseConfigArgs("velro backup "+sub, args[1:], getenv, stderr, backupUsage, f.add(sub))
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if len(rest) < arity[0] || len(rest) > arity[1] {
		fmt.Fprint(stderr, backupUsage)
		return fmt.Errorf("velro backup %s: wrong number of arguments", sub)
	}
	switch sub {
	case "create":
		return createBackup(ctx, cfg, cmp.Or(f.to, cfg.BackupTo), getenv, stdout)
	case "list":
		return listBackups(ctx, cmp.Or(f.from, cfg.BackupTo), getenv, stdout)
	case "verify":
		return verifyBackup(ctx, rest[0], getenv, stdout)
	}
	return restoreBackup(ctx, cfg, f, rest, getenv, stdout, stderr)
}

func createBackup(ctx context.Context, cfg *config, to string, getenv func(string) string, stdout io.Writer) error {
	if cfg.postgres != nil {
		return errors.New("velro backup create works on the embedded SQLite database, and DATABASE_URL names PostgreSQL: " + postgresBackups)
	}
	if _, err := os.Stat(cfg.sqlitePath()); err != nil {
		return &configError{"data dir " + cfg.DataDir, "has no database", "pass --data-dir or VELRO_DATA_DIR naming the servers' data dir"}
	}
	target, err := backup.OpenTarget(ctx, to, getenv)
	if err != nil {
		return &configError{"--to " + to, err.Error(), "name a directory or a store like " + s3URLExample}
	}
	info, err := backup.Create(ctx, cfg.backupSource(), target, time.Now())
	if err != nil {
		return fmt.Errorf("the backup failed, and the data dir was left as it was: %w", err)
	}
	fmt.Fprintf(stdout, "velro: backup %s (%s) in %s\n", info.Name, humanize.IBytes(uint64(info.Size)), target)
	if cfg.media != nil {
		fmt.Fprintf(stdout, "velro: media live in s3://%s/%s and are not in the backup: keep them with S3 bucket versioning\n", cfg.media.Bucket, cfg.media.Prefix)
	}
	return nil
}

// backupSource is what a backup of this data dir copies: the database,
// and the media when they live in the data dir.
func (c *config) backupSource() backup.Source {
	src := backup.Source{Database: c.sqlitePath()}
	if c.media == nil {
		src.Media = filepath.Join(c.DataDir, "media")
	}
	return src
}

func listBackups(ctx context.Context, from string, getenv func(string) string, stdout io.Writer) error {
	target, err := backup.OpenTarget(ctx, from, getenv)
	if err != nil {
		return &configError{"--from " + from, err.Error(), "name a directory or a store like " + s3URLExample}
	}
	list, err := backup.List(ctx, target)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tSIZE\tCREATED\tVERIFIED")
	for _, b := range list {
		verified := "not verified"
		switch {
		case b.Check == nil:
		case b.Check.Problem != "":
			verified = "FAILED " + b.Check.CheckedAt.Format(time.RFC3339) + ": " + b.Check.Problem
		default:
			verified = b.Check.CheckedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", b.Name, humanize.IBytes(uint64(b.Size)), b.CreatedAt.Format(time.RFC3339), verified)
	}
	return w.Flush()
}

// openArchive opens FILE: a path, or an s3:// URL whose last path
// element is the archive.
func openArchive(ctx context.Context, file string, getenv func(string) string) (io.ReadCloser, error) {
	where, name := filepath.Dir(file), filepath.Base(file)
	if strings.HasPrefix(file, "s3://") {
		u, err := url.Parse(file)
		if err != nil {
			return nil, &configError{file, "is not an s3:// URL", "name an archive like s3://bucket/backups/velro-20261207t060000z.tar.gz?endpoint=..."}
		}
		name = path.Base(u.Path)
		u.Path = path.Dir(u.Path)
		where = u.String()
	}
	target, err := backup.OpenTarget(ctx, where, getenv)
	if err != nil {
		return nil, &configError{file, err.Error(), "name an archive file or its s3:// URL"}
	}
	return target.Open(ctx, name)
}

func verifyBackup(ctx context.Context, file string, getenv func(string) string, stdout io.Writer) error {
	r, err := openArchive(ctx, file, getenv)
	if err != nil {
		return err
	}
	defer r.Close()
	m, err := backup.Verify(ctx, r, os.TempDir())
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	fmt.Fprintf(stdout, "velro: %s is intact: the database and %d media files match their sums, taken at %s by velro %s; the database passes its integrity check\n",
		file, len(m.Files)-1, m.CreatedAt.Format(time.RFC3339), m.Version)
	return nil
}

func restoreBackup(ctx context.Context, cfg *config, f backupFlags, rest []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var at time.Time
	switch {
	case (f.fromReplica == "") == (len(rest) == 0):
		return errors.New("velro backup restore: name either an archive or --from-replica URL")
	case f.at != "" && f.fromReplica == "":
		return errors.New("velro backup restore: --at goes with --from-replica (an archive is one moment)")
	case f.at != "":
		var err error
		if at, err = time.Parse(time.RFC3339Nano, f.at); err != nil {
			return &configError{"--at", fmt.Sprintf("%q is not an RFC 3339 time", f.at), "write it like 2026-12-07T15:04:05Z"}
		}
	}
	var taken time.Time
	if f.fromReplica != "" {
		t, err := replica.ParseURL(f.fromReplica, getenv)
		if err != nil {
			return &configError{"--from-replica", err.Error(), "name the replica like file:///var/lib/velro-replica or " + s3URLExample}
		}
		if err := restoreReplica(ctx, t, cfg.DataDir, at); err != nil {
			return err
		}
		taken = cmp.Or(at, time.Now())
		fmt.Fprintf(stdout, "velro: restored the database from %s into %s; media are not in a replica (keep them on S3 with bucket versioning, or restore them from a backup)\n", t, cfg.DataDir)
	} else {
		r, err := openArchive(ctx, rest[0], getenv)
		if err != nil {
			return err
		}
		defer r.Close()
		m, err := backup.Restore(ctx, r, cfg.DataDir)
		if err != nil {
			return fmt.Errorf("nothing was restored: %w", err)
		}
		taken = m.CreatedAt
		fmt.Fprintf(stdout, "velro: restored %s into %s: the database and %d media files, all matching their sums\n", rest[0], cfg.DataDir, len(m.Files)-1)
	}
	if f.endSessions {
		n, err := endSessions(ctx, cfg)
		if err != nil {
			return fmt.Errorf("restored, but the sessions could not be ended: %w", err)
		}
		fmt.Fprintf(stdout, "velro: ended %d sessions: everyone signs in again\n", n)
		return nil
	}
	fmt.Fprintf(stderr, "velro: warning: sessions and signing keys revoked after %s are valid again in the restored data; run the restore with --end-sessions to end every session\n",
		taken.UTC().Format(time.RFC3339))
	return nil
}

// restoreReplica writes the replicated database into dir (missing or
// empty), checked before it appears there.
func restoreReplica(ctx context.Context, t *replica.Target, dir string, at time.Time) error {
	undo, err := backup.Prepare(dir)
	if err != nil {
		return err
	}
	err = backup.Stage(dir, func(stage string) error {
		db := filepath.Join(stage, backup.DatabaseFile)
		if err := replica.Restore(ctx, t, db, at); err != nil {
			return err
		}
		return sqlite.IntegrityCheck(ctx, db)
	})
	if err != nil {
		undo()
		return fmt.Errorf("nothing was restored: %w", err)
	}
	return nil
}

// endSessions ends every session in the restored database.
func endSessions(ctx context.Context, cfg *config) (int64, error) {
	db, err := sqlite.Open(ctx, cfg.sqlitePath())
	if err != nil {
		return 0, err
	}
	defer db.Close()
	return sqlstore.New(db, cfg.DBTimeout).EndAllSessions(ctx, time.Now())
}

// checkBackups validates the backup and replication settings.
func (c *config) checkBackups(getenv func(string) string) error {
	if c.postgres != nil {
		if c.ReplicaURL != "" {
			return &configError{"VELRO_REPLICA_URL", "works with the embedded SQLite database only, and DATABASE_URL names PostgreSQL", postgresBackups}
		}
	}
	if c.ReplicaURL != "" {
		t, err := replica.ParseURL(c.ReplicaURL, getenv)
		if err != nil {
			return &configError{"VELRO_REPLICA_URL", err.Error(), "set it like file:///var/lib/velro-replica or " + s3URLExample}
		}
		c.replica = t
	}
	if c.BackupTo == "" {
		c.BackupTo = c.backupDir()
		return nil
	}
	if strings.HasPrefix(c.BackupTo, "s3://") {
		if _, err := media.ParseS3URL(c.BackupTo, getenv); err != nil {
			return &configError{"VELRO_BACKUP_TO", err.Error(), "set it like " + s3URLExample + ", or to a directory"}
		}
	} else if strings.Contains(c.BackupTo, "://") {
		return &configError{"VELRO_BACKUP_TO", "is neither a directory nor an s3:// URL", "set it to a directory or like " + s3URLExample}
	}
	return nil
}
