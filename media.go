package velro

import (
	"context"
	"io"
	"time"
)

// MediaStore keeps media: generation outputs and uploads. Keys are built by
// Velro from ids only, never from user input.
type MediaStore interface {
	// Put streams r into key, replacing what was there; the object appears
	// whole or not at all, and is never held whole in memory. contentType
	// is kept where the store keeps metadata (S3).
	Put(ctx context.Context, key string, r io.Reader, contentType string) error
	// Open returns the file at key; ENOTFOUND if there is none.
	Open(ctx context.Context, key string) (MediaFile, error)
	// DeletePrefix removes every file whose key starts with prefix.
	DeletePrefix(ctx context.Context, prefix string) error
}

// MediaFile is an open stored file.
type MediaFile interface {
	io.ReadSeekCloser
	ModTime() time.Time
}
