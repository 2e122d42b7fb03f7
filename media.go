package velro

import (
	"context"
	"io"
	"time"
)

// MediaStore keeps generation outputs. Keys are built by Velro from ids
// only (see MediaKey), never from user input.
type MediaStore interface {
	// Put stores data under key, replacing what was there.
	Put(ctx context.Context, key string, data []byte) error
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
