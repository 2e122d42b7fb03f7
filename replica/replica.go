// Package replica streams the embedded SQLite database to a replica with
// Litestream, embedded as a library (it uses the same pure-Go SQLite driver
// as Velro, so both share one SQLite library and its file locks), and
// restores from such a replica.
//
// While replication runs, Litestream alone checkpoints the database: it
// holds a read transaction so that no other connection can move the WAL on
// before it has copied the frames, and the server's writer turns its own
// automatic checkpoints off (sqlite.Options.ExternalCheckpoints).
package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/benbjohnson/litestream/file"
	"github.com/benbjohnson/litestream/s3"
	"github.com/velro-ai/velro/media"
)

// Lag bounds how long a committed transaction waits before it is on its
// way to the replica: Litestream reads the WAL this often, and uploads what
// it read as often.
const (
	monitorInterval = 200 * time.Millisecond
	syncInterval    = 200 * time.Millisecond
)

// Target is where a replica lives: a directory (file:///path) or an S3
// bucket and prefix.
type Target struct {
	URL  string
	dir  string          // for file://
	s3   *media.S3Config // for s3://
	name string          // the URL without credentials or query, for logs
}

// ParseURL reads file:///absolute/path or s3://bucket/prefix?endpoint=...
// (the form of VELRO_MEDIA_URL, with the AWS variables from getenv).
// Errors are phrases that follow the setting's name.
func ParseURL(raw string, getenv func(string) string) (*Target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("is not a file:// or s3:// URL")
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" || !filepath.IsAbs(u.Path) || u.RawQuery != "" {
			return nil, errors.New("is not a file:///absolute/path URL")
		}
		return &Target{URL: raw, dir: filepath.Clean(u.Path), name: "file://" + filepath.Clean(u.Path)}, nil
	case "s3":
		c, err := media.ParseS3URL(raw, getenv)
		if err != nil {
			return nil, err
		}
		if getenv("AWS_CA_BUNDLE") != "" {
			// The AWS SDK fails to load any configuration then (Litestream
			// hands it a plain http.Client).
			return nil, errors.New("cannot be used while AWS_CA_BUNDLE is set (Litestream's S3 client cannot load a CA bundle); unset it and trust the CA through SSL_CERT_FILE")
		}
		return &Target{URL: raw, s3: c, name: "s3://" + c.Bucket + "/" + c.Prefix}, nil
	}
	return nil, errors.New("is not a file:// or s3:// URL")
}

// String names the replica without its query.
func (t *Target) String() string { return t.name }

// client returns a Litestream replica client for the target.
func (t *Target) client() litestream.ReplicaClient {
	if t.s3 == nil {
		return file.NewReplicaClient(t.dir)
	}
	c := s3.NewReplicaClient()
	c.Bucket, c.Path, c.Region = t.s3.Bucket, t.s3.Prefix, t.s3.Region
	scheme := "https://"
	if !t.s3.Secure {
		scheme = "http://"
	}
	if t.s3.Endpoint != "s3.amazonaws.com" {
		c.Endpoint = scheme + t.s3.Endpoint
	}
	c.ForcePathStyle = t.s3.PathStyle != nil && *t.s3.PathStyle
	if t.s3.SessionToken == "" {
		c.AccessKeyID, c.SecretAccessKey = t.s3.AccessKey, t.s3.SecretKey
	} // else the SDK's own chain reads AWS_SESSION_TOKEN with the keys
	return c
}

// Replicator streams one database to its replica while the server runs.
type Replicator struct {
	store *litestream.Store
	db    *litestream.DB
}

// Start begins streaming the database at path (which exists, in WAL mode)
// to t. Close it after every other connection to the database is closed.
func Start(ctx context.Context, path string, t *Target, log *slog.Logger) (*Replicator, error) {
	db := litestream.NewDB(path)
	db.MonitorInterval = monitorInterval
	client := t.client()
	r := litestream.NewReplicaWithClient(db, client)
	r.SyncInterval = syncInterval
	if fc, ok := client.(*file.ReplicaClient); ok {
		fc.Replica = r // keeps the replica's files owner-only, like the database
		if err := os.MkdirAll(t.dir, 0o700); err != nil {
			return nil, fmt.Errorf("replica %s: %w", t, err)
		}
	}
	db.Replica = r
	store := litestream.NewStore([]*litestream.DB{db}, litestream.DefaultCompactionLevels)
	log = log.With("component", "litestream")
	store.Logger = log
	db.SetLogger(log)
	if err := store.Open(ctx); err != nil {
		return nil, fmt.Errorf("replica %s: %w", t, err)
	}
	return &Replicator{store: store, db: db}, nil
}

// Close copies what is left to the replica and stops, giving up when ctx
// ends.
func (r *Replicator) Close(ctx context.Context) error { return r.store.Close(ctx) }

// ErrNoReplica means the target holds no replica of a database.
var ErrNoReplica = errors.New("holds no replica")

// Restore writes the replicated database, as it was at at (the latest
// state when at is zero), to out, which must not exist.
func Restore(ctx context.Context, t *Target, out string, at time.Time) error {
	client := t.client()
	if err := client.Init(ctx); err != nil {
		return fmt.Errorf("replica %s: %w", t, err)
	}
	opt := litestream.NewRestoreOptions()
	opt.OutputPath = out
	opt.Timestamp = at
	opt.IntegrityCheck = litestream.IntegrityCheckFull
	err := litestream.NewReplicaWithClient(nil, client).Restore(ctx, opt)
	if errors.Is(err, litestream.ErrNoSnapshots) {
		return fmt.Errorf("replica %s %w", t, ErrNoReplica)
	} else if errors.Is(err, litestream.ErrTxNotAvailable) {
		return fmt.Errorf("replica %s has nothing as early as %s", t, at.Format(time.RFC3339))
	}
	return err
}
