// Package media stores media (generation outputs and uploads) in a local
// directory or an S3-compatible bucket, and signs the URLs that serve them.
package media

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/velro-ai/velro"
)

// Dir is a velro.MediaStore under a directory.
type Dir struct{ root string }

var _ velro.MediaStore = (*Dir)(nil)

// NewDir stores files under root (created if needed).
func NewDir(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, err
	}
	return &Dir{root: root}, nil
}

// path maps a key to a file under the root.
func (d *Dir) path(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

// tempPrefix starts the names of files being written; they are no media.
const tempPrefix = ".upload-"

// Put implements velro.MediaStore. The file appears whole or not at all.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader, _ string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), tempPrefix+"*")
	if err != nil {
		return err
	}
	_, err = io.Copy(tmp, ctxReader{ctx, r})
	if err = errors.Join(err, tmp.Close()); err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// ctxReader stops a copy once ctx ends (a cancelled job, a client gone).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

type file struct {
	*os.File
	mod time.Time
}

func (f file) ModTime() time.Time { return f.mod }

// Open implements velro.MediaStore.
func (d *Dir) Open(_ context.Context, key string) (velro.MediaFile, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, velro.Errorf(velro.ENOTFOUND, "Media not found.")
	} else if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil || info.IsDir() {
		f.Close()
		return nil, velro.Errorf(velro.ENOTFOUND, "Media not found.")
	}
	return file{File: f, mod: info.ModTime()}, nil
}

// DeletePrefix implements velro.MediaStore; prefix names a directory.
func (d *Dir) DeletePrefix(_ context.Context, prefix string) error {
	p, err := d.path(strings.TrimSuffix(prefix, "/"))
	if err != nil {
		return err
	}
	return os.RemoveAll(p)
}

// Walk calls fn with the key and size of every stored file, in lexical
// order, stopping at the first error.
func (d *Dir) Walk(ctx context.Context, fn func(key string, size int64) error) error {
	return filepath.WalkDir(d.root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || strings.HasPrefix(e.Name(), tempPrefix) {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(d.root, p)
		if err != nil {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		return fn(filepath.ToSlash(rel), info.Size())
	})
}
