package velro

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Upload is a file a user put into Velro: a reference image for
// image-input models, or a picture or clip kept with a project. Its bytes
// live in media storage under MediaKey.
type Upload struct {
	ID          uuid.UUID  `json:"id"`
	UserID      uuid.UUID  `json:"user_id"`
	ProjectID   *uuid.UUID `json:"project_id" doc:"The project whose readers may read it; null for a personal upload"`
	Filename    string     `json:"filename" doc:"The name the client gave, for display only"`
	ContentType string     `json:"content_type" enum:"image/png,image/jpeg,image/webp,image/gif,video/mp4" doc:"Sniffed from the bytes"`
	Size        int64      `json:"size" doc:"Bytes"`
	Width       *int       `json:"width" doc:"Pixels (images); null for videos"`
	Height      *int       `json:"height" doc:"Pixels (images); null for videos"`
	SHA256      string     `json:"sha256" doc:"Hex SHA-256 of the bytes"`
	CreatedAt   time.Time  `json:"created_at"`
}

// UploadTypes are the content types an upload may have, with the file
// extension its media key takes.
var UploadTypes = map[string]string{
	"image/png":  "png",
	"image/jpeg": "jpg",
	"image/webp": "webp",
	"image/gif":  "gif",
	"video/mp4":  "mp4",
}

// MaxUploadBytes is the largest file one upload may hold.
const MaxUploadBytes = 20 << 20

// UploadPrefix is where an upload's bytes live in media storage; the key is
// built from the id only.
func UploadPrefix(id uuid.UUID) string { return "uploads/" + id.String() + "/" }

// MediaKey is the media key of the upload's bytes.
func (u *Upload) MediaKey() string {
	return UploadPrefix(u.ID) + "original." + UploadTypes[u.ContentType]
}

// IsImage reports whether the upload is a picture (a possible reference
// image).
func (u *Upload) IsImage() bool { return u.Width != nil }

// UploadFilter selects uploads: a user's own, or (with ProjectID) a
// project's.
type UploadFilter struct {
	UserID    uuid.UUID
	ProjectID *uuid.UUID
	Page
}

// StorageUsage is what a user keeps in media storage.
type StorageUsage struct {
	UsedBytes       int64 `json:"used_bytes" doc:"Uploads and generation outputs together"`
	QuotaBytes      int64 `json:"quota_bytes" doc:"The most the user's uploads may take (VELRO_UPLOAD_QUOTA)"`
	UploadCount     int   `json:"upload_count"`
	UploadBytes     int64 `json:"upload_bytes"`
	GenerationBytes int64 `json:"generation_bytes" doc:"Outputs of the user's generations"`
}

// UploadReader reads uploads and each user's upload usage.
type UploadReader interface {
	// FindUpload returns ENOTFOUND when absent.
	FindUpload(ctx context.Context, id uuid.UUID) (*Upload, error)
	// ListUploads returns a page, newest first, and the total.
	ListUploads(ctx context.Context, f UploadFilter) ([]*Upload, int, error)
	// StorageUsage reports what the user keeps (QuotaBytes left zero).
	StorageUsage(ctx context.Context, userID uuid.UUID) (StorageUsage, error)
}

// UploadWriter records and deletes uploads.
type UploadWriter interface {
	// CreateUpload records an upload whose bytes are stored, in one
	// transaction: it re-checks the rule, adds the size to the owner's
	// usage unless that would pass quota (EQUOTA: nothing is recorded),
	// and inserts u. Concurrent uploads never take the usage over quota.
	CreateUpload(ctx context.Context, u *Upload, quota int64, check Check) (Effects, error)
	// DeleteUpload deletes the row and gives its size back to the owner's
	// usage; it returns the deleted upload. ENOTFOUND when absent.
	DeleteUpload(ctx context.Context, id uuid.UUID, check Check) (*Upload, Effects, error)
}
