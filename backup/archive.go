// Package backup takes, checks and restores snapshots of the embedded
// default's data: the SQLite database (which also holds the signing keys
// and the media URL key) and the media directory of the data dir, as one
// velro-<UTC timestamp>.tar.gz with a manifest of SHA-256 sums.
package backup

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"
)

// Names inside an archive.
const (
	// DatabaseFile is the snapshot of the database, and its name in a
	// data dir.
	DatabaseFile = "velro.db"
	// MediaDir holds the media files, as in a data dir.
	MediaDir = "media"
	// ManifestFile is the archive's last entry: what came before it.
	ManifestFile = "manifest.json"
)

// manifestFormat is the version of the archive layout.
const manifestFormat = 1

// Manifest lists an archive's files with their SHA-256 sums.
type Manifest struct {
	Format    int       `json:"format"`
	CreatedAt time.Time `json:"created_at"`
	Version   string    `json:"velro_version"`
	Files     []Entry   `json:"files"`
}

// Entry is one file of an archive.
type Entry struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// nameLayout is the timestamp in archive names: UTC, to the second, in
// lowercase (RFC 3339 allows it) because object keys of media stores are.
const nameLayout = "20060102t150405z"

var nameRE = regexp.MustCompile(`^velro-(\d{8}t\d{6}z)\.tar\.gz$`)

// Name is the archive name of a snapshot taken at t.
func Name(t time.Time) string { return "velro-" + t.UTC().Format(nameLayout) + ".tar.gz" }

// ParseName returns when the archive called name was taken; ok is false
// for names that are no archive.
func ParseName(name string) (t time.Time, ok bool) {
	m := nameRE.FindStringSubmatch(name)
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.Parse(nameLayout, m[1])
	return t, err == nil
}

// checkPath refuses an entry that a restore could not put safely inside
// the data dir: the database, or a plain relative path under media/.
func checkPath(p string) error {
	if p == DatabaseFile {
		return nil
	}
	rest, ok := strings.CutPrefix(p, MediaDir+"/")
	if !ok || rest == "" || path.Clean(p) != p || strings.Contains(p, "\\") {
		return fmt.Errorf("has an entry %q that is neither the database nor a media file", p)
	}
	return nil
}
