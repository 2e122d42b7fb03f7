package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/media"
	"github.com/velro-ai/velro/sqlite"
)

// Source is what a snapshot copies out of a data dir.
type Source struct {
	// Database is the SQLite file; it may be in use by servers.
	Database string
	// Media is the media directory, "" when media live elsewhere (S3).
	Media string
}

// Info describes an archive.
type Info struct {
	Name      string
	Size      int64
	CreatedAt time.Time
}

// Create takes a snapshot of src and stores it in dst, named for now.
// Nothing is written to the data dir: the database snapshot is staged in
// dst's scratch directory and removed afterwards, whatever happens.
func Create(ctx context.Context, src Source, dst Target, now time.Time) (Info, error) {
	now = now.UTC().Truncate(time.Second)
	info := Info{Name: Name(now), CreatedAt: now}
	if err := os.MkdirAll(dst.Scratch(), 0o700); err != nil {
		return info, fmt.Errorf("backup target %s: %w", dst, err)
	}
	stage, err := os.MkdirTemp(dst.Scratch(), ".velro-snapshot-")
	if err != nil {
		return info, fmt.Errorf("backup target %s: %w", dst, err)
	}
	defer os.RemoveAll(stage)
	db := filepath.Join(stage, DatabaseFile)
	if err := sqlite.Snapshot(ctx, src.Database, db); err != nil {
		return info, fmt.Errorf("backup target %s: %w", dst, err)
	}
	info.Size, err = dst.Write(ctx, info.Name, func(w io.Writer) error {
		return writeArchive(ctx, w, db, src.Media, now)
	})
	if err != nil {
		return info, fmt.Errorf("backup target %s: %w", dst, err)
	}
	return info, nil
}

// writeArchive writes the database snapshot, then every media file, then
// the manifest of what came before.
func writeArchive(ctx context.Context, w io.Writer, db, mediaDir string, now time.Time) error {
	gz := gzip.NewWriter(w) // the header check in read.go expects its defaults
	tw := tar.NewWriter(gz)
	m := Manifest{Format: manifestFormat, CreatedAt: now, Version: velro.Version, Files: []Entry{}}
	add := func(name, file string) error {
		e, err := addFile(tw, name, file)
		if errors.Is(err, fs.ErrNotExist) && name != DatabaseFile {
			return nil // a media file deleted since the listing
		} else if err != nil {
			return err
		}
		m.Files = append(m.Files, e)
		return nil
	}
	if err := add(DatabaseFile, db); err != nil {
		return err
	}
	if mediaDir != "" {
		if err := walkMedia(ctx, mediaDir, func(key string) error {
			return add(MediaDir+"/"+key, filepath.Join(mediaDir, filepath.FromSlash(key)))
		}); err != nil {
			return err
		}
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: ManifestFile, Mode: 0o600, Size: int64(len(raw)), ModTime: now, Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := tw.Write(raw); err != nil {
		return err
	}
	return errors.Join(tw.Close(), gz.Close())
}

// walkMedia calls fn with every media key under dir, if dir exists.
func walkMedia(ctx context.Context, dir string, fn func(key string) error) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	store, err := media.NewDir(dir)
	if err != nil {
		return err
	}
	return store.Walk(ctx, func(key string, _ int64) error { return fn(key) })
}

// addFile appends a file, hashing it on the way.
func addFile(tw *tar.Writer, name, file string) (Entry, error) {
	f, err := os.Open(file)
	if err != nil {
		return Entry{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Entry{}, err
	}
	hdr := &tar.Header{Name: name, Mode: 0o600, Size: info.Size(), ModTime: info.ModTime(), Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return Entry{}, err
	}
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(tw, h), f, info.Size()); err != nil {
		return Entry{}, fmt.Errorf("%s: %w", name, err)
	}
	return Entry{Path: name, Size: info.Size(), SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}
