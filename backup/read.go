package backup

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/velro-ai/velro/sqlite"
)

// ErrInvalid is an archive that is damaged or was not made by Velro.
var ErrInvalid = errors.New("is not an intact Velro backup")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// gzipHeader is how every archive begins: what gzip.NewWriter writes at
// the default level with no name, comment or time. The gzip trailer's
// CRC-32 covers only the uncompressed data; checking these bytes too
// means that a change to any byte of the archive is caught.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}

// manifestLimit bounds the manifest a reader decodes.
const manifestLimit = 64 << 20

// Extract reads the archive r into dir (an existing, empty directory),
// checking on the way every file against the manifest and, at the end,
// the database with PRAGMA integrity_check. Media files are written too
// unless skipMedia (their sums are checked either way). On error dir may
// hold part of the archive: extract into a staging directory (Verify,
// Restore).
func Extract(ctx context.Context, r io.Reader, dir string, skipMedia bool) (*Manifest, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(len(gzipHeader))
	if err != nil || !bytes.Equal(head, gzipHeader) {
		return nil, invalid("it does not begin as Velro's archives do")
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, invalid("%v", err)
	}
	zr.Multistream(false)
	seen, m, err := extractEntries(ctx, tar.NewReader(zr), dir, skipMedia)
	if err != nil {
		return nil, err
	}
	// Read to the gzip trailer (its CRC-32 and length are checked there),
	// and make sure nothing follows it.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return nil, invalid("%v", err)
	}
	if n, _ := br.Read(make([]byte, 1)); n > 0 {
		return nil, invalid("it has data after its end")
	}
	if err := m.check(seen); err != nil {
		return nil, err
	}
	if err := sqlite.IntegrityCheck(ctx, filepath.Join(dir, DatabaseFile)); err != nil {
		return nil, invalid("%v", err)
	}
	return m, nil
}

// extractEntries writes every file before the manifest and returns what
// it wrote with the manifest.
func extractEntries(ctx context.Context, tr *tar.Reader, dir string, skipMedia bool) (map[string]Entry, *Manifest, error) {
	seen := map[string]Entry{}
	var m *Manifest
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, nil, invalid("%v", err)
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		switch {
		case m != nil:
			return nil, nil, invalid("it has an entry %q after its manifest", hdr.Name)
		case hdr.Typeflag != tar.TypeReg:
			return nil, nil, invalid("it has an entry %q that is not a plain file", hdr.Name)
		case hdr.Name == ManifestFile:
			m = &Manifest{}
			if err := json.NewDecoder(io.LimitReader(tr, manifestLimit)).Decode(m); err != nil {
				return nil, nil, invalid("its manifest cannot be read: %v", err)
			}
			continue
		}
		if err := checkPath(hdr.Name); err != nil {
			return nil, nil, invalid("it %v", err)
		}
		if _, dup := seen[hdr.Name]; dup {
			return nil, nil, invalid("it has %q twice", hdr.Name)
		}
		e, err := writeEntry(tr, hdr, dir, skipMedia && hdr.Name != DatabaseFile)
		if err != nil {
			return nil, nil, err
		}
		seen[hdr.Name] = e
	}
	if m == nil {
		return nil, nil, invalid("it has no manifest")
	}
	return seen, m, nil
}

// writeEntry writes one file owner-only (or nowhere, if discard), hashing
// it on the way.
func writeEntry(tr *tar.Reader, hdr *tar.Header, dir string, discard bool) (Entry, error) {
	h := sha256.New()
	if discard {
		n, err := io.Copy(h, archiveReader{tr})
		return Entry{Path: hdr.Name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, err
	}
	p := filepath.Join(dir, filepath.FromSlash(hdr.Name))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return Entry{}, err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Entry{}, err
	}
	n, err := io.Copy(io.MultiWriter(f, h), archiveReader{tr})
	if err = errors.Join(err, f.Close()); err != nil {
		return Entry{}, fmt.Errorf("%s: %w", hdr.Name, err)
	}
	if err := os.Chtimes(p, hdr.ModTime, hdr.ModTime); err != nil {
		return Entry{}, err
	}
	return Entry{Path: hdr.Name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// archiveReader marks the errors of reading the archive (as opposed to
// writing what was read) as damage.
type archiveReader struct{ r io.Reader }

func (a archiveReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if err != nil && err != io.EOF {
		err = invalid("%v", err)
	}
	return n, err
}

// check compares what was read with the manifest.
func (m *Manifest) check(seen map[string]Entry) error {
	if m.Format != manifestFormat {
		return invalid("its manifest has format %d; this Velro reads format %d", m.Format, manifestFormat)
	}
	if len(m.Files) != len(seen) {
		return invalid("its manifest lists %d files, it holds %d", len(m.Files), len(seen))
	}
	for _, want := range m.Files {
		if got, ok := seen[want.Path]; !ok {
			return invalid("%s is in its manifest but not in it", want.Path)
		} else if got != want {
			return invalid("%s does not match its SHA-256 sum in the manifest", want.Path)
		}
	}
	if _, ok := seen[DatabaseFile]; !ok {
		return invalid("it holds no database")
	}
	return nil
}

// Verify checks the archive r completely: every sum, and the integrity of
// the database, restored into a scratch directory under scratch (removed
// afterwards).
func Verify(ctx context.Context, r io.Reader, scratch string) (*Manifest, error) {
	stage, err := os.MkdirTemp(scratch, ".velro-verify-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	return Extract(ctx, r, stage, true)
}
