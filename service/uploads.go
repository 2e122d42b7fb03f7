package service

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/guard"
	"github.com/velro-ai/velro/media"
)

// uploadStore is what Uploads needs of the (guarded) store.
type uploadStore interface {
	guard.Guarded
	CreateUpload(ctx context.Context, u *velro.Upload, quota int64, check velro.Check) (velro.Effects, error)
	FindUpload(ctx context.Context, id uuid.UUID) (*velro.Upload, error)
	ListUploads(ctx context.Context, f velro.UploadFilter) ([]*velro.Upload, int, error)
	DeleteUpload(ctx context.Context, id uuid.UUID, check velro.Check) (*velro.Upload, velro.Effects, error)
	StorageUsage(ctx context.Context, userID uuid.UUID) (velro.StorageUsage, error)
}

// Uploads is what users do with the files they upload.
type Uploads struct {
	store uploadStore
	authz velro.Authorizer
	media velro.MediaStore
	quota int64
}

// NewUploads returns the upload use cases; quota bounds each user's
// uploads, in bytes.
func NewUploads(store uploadStore, authz velro.Authorizer, files velro.MediaStore, quota int64) *Uploads {
	return &Uploads{store: store, authz: authz, media: files, quota: quota}
}

// NewUpload is a file being uploaded.
type NewUpload struct {
	Filename  string
	ProjectID *uuid.UUID
	// Body is read once, as it arrives; it is never held whole.
	Body io.Reader
}

// mayUpload: anyone signed in uploads for themselves; into a project it
// takes the edit permission there.
func mayUpload(actor uuid.UUID, project *uuid.UUID) velro.Check {
	if project == nil {
		return velro.NoRule
	}
	return velro.Allowed(actor, velro.ActionEdit, velro.KindProject, *project)
}

var (
	errUnsupported = velro.Errorf(velro.EMEDIATYPE, "Uploads must be PNG, JPEG, WebP or GIF images, or MP4 videos (the type is read from the file's bytes).")
	errFileTooBig  = velro.Errorf(velro.ETOOLARGE, "A file may be at most 20 MiB.")
	errQuotaFull   = velro.Errorf(velro.EQUOTA, "Your uploads have used your storage quota; delete some first.")
)

// Create streams a file into media storage and records it. Its type is
// sniffed from its first bytes (its name and the client's content type are
// not trusted); it may be at most velro.MaxUploadBytes; the owner's
// uploads may not pass the quota, also under concurrent uploads (the
// store's conditional update decides; a full quota refuses before any
// byte is stored).
func (s *Uploads) Create(ctx context.Context, actor uuid.UUID, in NewUpload) (*velro.Upload, error) {
	filename, err := cleanFilename(in.Filename)
	if err != nil {
		return nil, err
	}
	rule := mayUpload(actor, in.ProjectID)
	if err := rule(ctx, s.authz); err != nil {
		return nil, err
	}
	usage, err := s.store.StorageUsage(ctx, actor)
	if err != nil {
		return nil, err
	}
	if usage.UploadBytes >= s.quota {
		return nil, errQuotaFull
	}
	body := bufio.NewReaderSize(in.Body, media.SniffLen)
	head, err := body.Peek(media.SniffLen)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	u := &velro.Upload{ID: velro.NewID(), UserID: actor, ProjectID: in.ProjectID, Filename: filename,
		ContentType: media.Sniff(head)}
	if _, ok := velro.UploadTypes[u.ContentType]; !ok || len(head) == 0 {
		return nil, errUnsupported
	}
	if err := s.keep(ctx, u, body); err != nil {
		_ = s.media.DeletePrefix(context.WithoutCancel(ctx), velro.UploadPrefix(u.ID))
		return nil, err
	}
	if _, err := s.store.CreateUpload(ctx, u, s.quota, rule); err != nil {
		_ = s.media.DeletePrefix(context.WithoutCancel(ctx), velro.UploadPrefix(u.ID))
		return nil, err
	}
	return u, nil
}

// keep streams the body into media storage, measuring and hashing it as it
// passes, and reads an image's dimensions back from storage.
func (s *Uploads) keep(ctx context.Context, u *velro.Upload, body io.Reader) error {
	hash := sha256.New()
	// One byte past the limit tells a file over it (then deleted).
	counted := &media.Counter{R: io.TeeReader(io.LimitReader(body, velro.MaxUploadBytes+1), hash)}
	if err := s.media.Put(ctx, u.MediaKey(), counted, u.ContentType); err != nil {
		return err
	}
	if counted.N > velro.MaxUploadBytes {
		return errFileTooBig
	}
	u.Size, u.SHA256 = counted.N, hex.EncodeToString(hash.Sum(nil))
	if !strings.HasPrefix(u.ContentType, "image/") {
		return nil
	}
	f, err := s.media.Open(ctx, u.MediaKey())
	if err != nil {
		return err
	}
	defer f.Close()
	w, h, err := media.ImageSize(f)
	if err != nil {
		return err
	}
	u.Width, u.Height = &w, &h
	return nil
}

// cleanFilename keeps the base name a client gave, at most 255
// characters; "upload" when it gave none. It is shown back: a name with a
// character velro.CheckName refuses is refused (EINVALID "filename").
func cleanFilename(name string) (string, error) {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if err := velro.CheckName("filename", name); err != nil {
		return "", err
	}
	if name = strings.TrimSpace(name); name == "" || name == "." || name == "/" {
		return "upload", nil
	}
	if utf8.RuneCountInString(name) > 255 {
		name = string([]rune(name)[:255])
	}
	return name, nil
}

// mayReadUpload: its owner, and the readers of its project.
func mayReadUpload(actor, id uuid.UUID) velro.Check {
	return velro.Allowed(actor, velro.ActionView, velro.KindUpload, id)
}

// Get returns an upload the actor may read.
func (s *Uploads) Get(ctx context.Context, actor, id uuid.UUID) (*velro.Upload, error) {
	if err := mayReadUpload(actor, id)(ctx, s.authz); err != nil {
		return nil, err
	}
	return s.store.FindUpload(ctx, id)
}

// List returns a page of the actor's own uploads, or, with a project, of
// a project the actor may view.
func (s *Uploads) List(ctx context.Context, actor uuid.UUID, project *uuid.UUID, page velro.Page) ([]*velro.Upload, int, error) {
	if project != nil {
		if err := mayViewProject(actor, *project)(ctx, s.authz); err != nil {
			return nil, 0, err
		}
	}
	return s.store.ListUploads(ctx, velro.UploadFilter{UserID: actor, ProjectID: project, Page: page})
}

// mayDeleteUpload: only its owner deletes an upload (it counts against
// the owner's quota); the project's readers see it but may not.
func mayDeleteUpload(actor, id uuid.UUID) velro.Check {
	return func(ctx context.Context, a velro.Authorizer) error {
		acc, err := velro.Require(ctx, a, actor, velro.ActionView, velro.KindUpload, id)
		if err == nil && acc.Role != velro.RoleOwner {
			err = velro.Errorf(velro.EFORBIDDEN, "Only the owner of an upload may delete it.")
		}
		return err
	}
}

// Delete deletes an upload and its bytes, giving its size back to the
// owner's quota.
func (s *Uploads) Delete(ctx context.Context, actor, id uuid.UUID) error {
	rule := mayDeleteUpload(actor, id)
	if err := rule(ctx, s.authz); err != nil {
		return err
	}
	if _, _, err := s.store.DeleteUpload(ctx, id, rule); err != nil {
		return err
	}
	return s.media.DeletePrefix(ctx, velro.UploadPrefix(id))
}

// Usage reports what the actor keeps in storage, and the quota.
func (s *Uploads) Usage(ctx context.Context, actor uuid.UUID) (velro.StorageUsage, error) {
	st, err := s.store.StorageUsage(ctx, actor)
	st.QuotaBytes = s.quota
	return st, err
}
