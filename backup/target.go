package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/media"
)

// Target is where archives are kept: a directory or an S3 prefix.
type Target interface {
	// Write stores what write writes as the archive name, owner-only; it
	// appears whole or not at all, and never replaces another archive.
	Write(ctx context.Context, name string, write func(io.Writer) error) (size int64, err error)
	// Open reads an archive; ENOTFOUND if there is none.
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	// List returns the archives, newest first, and the other files Velro
	// keeps beside them (checks).
	List(ctx context.Context) ([]Object, error)
	// Remove deletes a file of the target.
	Remove(ctx context.Context, name string) error
	// Scratch is a directory for the database snapshot while it is
	// archived: on the target's own disk for a directory, so a full
	// target never fills the data dir's.
	Scratch() string
	String() string
}

// Object is a file of a target.
type Object struct {
	Name string
	Size int64
}

// OpenTarget opens the directory or the s3:// URL where archives go.
func OpenTarget(ctx context.Context, where string, getenv func(string) string) (Target, error) {
	if strings.HasPrefix(where, "s3://") {
		cfg, err := media.ParseS3URL(where, getenv)
		if err != nil {
			return nil, err
		}
		store, err := media.OpenS3(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return &s3Target{store: store, name: "s3://" + cfg.Bucket + "/" + cfg.Prefix}, nil
	}
	if strings.Contains(where, "://") {
		return nil, errors.New("is neither a directory nor an s3:// URL")
	}
	return &dirTarget{dir: where}, nil
}

// dirTarget keeps archives in a directory (created owner-only if needed).
type dirTarget struct{ dir string }

func (d *dirTarget) String() string  { return d.dir }
func (d *dirTarget) Scratch() string { return d.dir }

func (d *dirTarget) Write(ctx context.Context, name string, write func(io.Writer) error) (int64, error) {
	if err := os.MkdirAll(d.dir, 0o700); err != nil {
		return 0, err
	}
	final := filepath.Join(d.dir, name)
	if _, err := os.Lstat(final); err == nil {
		return 0, fmt.Errorf("%s exists already", final)
	}
	f, err := os.OpenFile(filepath.Join(d.dir, "."+name+".partial"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	counted := &counter{w: f}
	err = write(counted)
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err == nil {
		err = os.Rename(f.Name(), final)
	}
	if err != nil {
		os.Remove(f.Name())
		return 0, err
	}
	return counted.n, syncDir(d.dir)
}

func (d *dirTarget) Open(_ context.Context, name string) (io.ReadCloser, error) {
	f, err := os.Open(filepath.Join(d.dir, filepath.Base(name)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, velro.Errorf(velro.ENOTFOUND, "There is no backup %s in %s.", name, d.dir)
	}
	return f, err
}

func (d *dirTarget) List(context.Context) ([]Object, error) {
	entries, err := os.ReadDir(d.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var out []Object
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		out = append(out, Object{Name: e.Name(), Size: info.Size()})
	}
	return newestFirst(out), nil
}

func (d *dirTarget) Remove(_ context.Context, name string) error {
	err := os.Remove(filepath.Join(d.dir, filepath.Base(name)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

// s3Target keeps archives under a prefix of a bucket.
type s3Target struct {
	store *media.S3
	name  string
}

func (s *s3Target) String() string  { return s.name }
func (s *s3Target) Scratch() string { return os.TempDir() }

func (s *s3Target) Write(ctx context.Context, name string, write func(io.Writer) error) (int64, error) {
	if f, err := s.store.Open(ctx, name); err == nil {
		f.Close()
		return 0, fmt.Errorf("%s%s exists already", s.name, name)
	}
	pr, pw := io.Pipe()
	counted := &counter{w: pw}
	go func() { pw.CloseWithError(write(counted)) }()
	err := s.store.Put(ctx, name, pr, "application/gzip")
	pr.CloseWithError(err) // stops the writer if the upload failed first
	return counted.n, err
}

func (s *s3Target) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	f, err := s.store.Open(ctx, name)
	if velro.ErrorCode(err) == velro.ENOTFOUND {
		return nil, velro.Errorf(velro.ENOTFOUND, "There is no backup %s in %s.", name, s.name)
	}
	return f, err
}

func (s *s3Target) List(ctx context.Context) ([]Object, error) {
	var out []Object
	err := s.store.Walk(ctx, func(key string, size int64) error {
		if !strings.Contains(key, "/") {
			out = append(out, Object{Name: key, Size: size})
		}
		return nil
	})
	return newestFirst(out), err
}

func (s *s3Target) Remove(ctx context.Context, name string) error {
	return s.store.DeletePrefix(ctx, name)
}

// newestFirst sorts by name, descending: archive names sort by time.
func newestFirst(objs []Object) []Object {
	slices.SortFunc(objs, func(a, b Object) int { return strings.Compare(b.Name, a.Name) })
	return objs
}

// counter counts what passes through to w.
type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
