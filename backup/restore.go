package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNotEmpty is a restore into a directory that holds something.
var ErrNotEmpty = errors.New("is not empty")

// Prepare makes sure dir exists and is empty, creating it owner-only
// when missing; undo removes what Prepare created.
func Prepare(dir string) (undo func(), err error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		return func() { os.Remove(dir) }, nil
	case err != nil:
		return nil, err
	case len(entries) > 0:
		return nil, fmt.Errorf("%s %w (it holds %s): restore into a new or empty directory", dir, ErrNotEmpty, entries[0].Name())
	}
	return func() {}, nil
}

// Stage fills a hidden directory inside dir with fill, then moves what it
// holds into dir: dir shows nothing of a restore that fails.
func Stage(dir string, fill func(stage string) error) error {
	stage, err := os.MkdirTemp(dir, ".velro-restore-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	if err := fill(stage); err != nil {
		return err
	}
	entries, err := os.ReadDir(stage)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.Rename(filepath.Join(stage, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return syncDir(dir)
}

// Restore checks the archive r completely and, only if it is intact,
// puts its files into dir, which must be empty or missing.
func Restore(ctx context.Context, r io.Reader, dir string) (m *Manifest, err error) {
	undo, err := Prepare(dir)
	if err != nil {
		return nil, err
	}
	err = Stage(dir, func(stage string) (err error) {
		m, err = Extract(ctx, r, stage, false)
		return err
	})
	if err != nil {
		undo()
		return nil, err
	}
	return m, nil
}
