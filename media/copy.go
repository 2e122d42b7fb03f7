package media

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/velro-ai/velro"
)

// CopyStats counts what Copy did.
type CopyStats struct {
	Copied, Skipped int
	Bytes           int64 // copied
}

// Copy copies every file of src into dst under the same key, streaming. A
// file dst already holds with the same size is skipped, so an interrupted
// copy can simply be run again. Files whose names are no media keys are
// not copied; they are named in the error, after everything else is done.
func Copy(ctx context.Context, dst velro.MediaStore, src *Dir) (CopyStats, error) {
	var stats CopyStats
	var strays []error
	err := src.Walk(ctx, func(key string, size int64) error {
		if checkKey(key) != nil {
			strays = append(strays, fmt.Errorf("%s is no media file (not copied)", key))
			return nil
		}
		if have, err := sizeOf(ctx, dst, key); err != nil {
			return err
		} else if have == size {
			stats.Skipped++
			return nil
		}
		f, err := src.Open(ctx, key)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := dst.Put(ctx, key, f, ContentType(key)); err != nil {
			return fmt.Errorf("copy %s: %w", key, err)
		}
		stats.Copied++
		stats.Bytes += size
		return nil
	})
	return stats, errors.Join(append([]error{err}, strays...)...)
}

// sizeOf is the size of the file at key, or -1 if there is none.
func sizeOf(ctx context.Context, s velro.MediaStore, key string) (int64, error) {
	f, err := s.Open(ctx, key)
	if velro.ErrorCode(err) == velro.ENOTFOUND {
		return -1, nil
	} else if err != nil {
		return 0, err
	}
	defer f.Close()
	return f.Seek(0, io.SeekEnd)
}
