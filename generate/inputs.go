package generate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/service"
)

// checkReferenceCount: an image-input model needs a reference image, a
// text-only model takes none, and no generation takes more than
// velro.MaxReferences.
func checkReferenceCount(model velro.Model, in SubmitInput) error {
	n := len(in.ReferenceUploadIDs)
	if in.ReferenceImageURL != "" {
		n++
	}
	switch {
	case n > velro.MaxReferences:
		return velro.Invalid("reference_upload_ids", fmt.Sprintf("at most %d reference images", velro.MaxReferences))
	case model.TakesImage() && n == 0:
		return velro.Invalid("reference_upload_ids", model.ID+" edits an image: give reference_upload_ids, reference_image_url or a reference_image file")
	case !model.TakesImage() && n > 0:
		return velro.Invalid("reference_upload_ids", model.ID+" takes no reference image")
	}
	return nil
}

// mayGenerate: into a project takes edit there (mayAddGeneration); every
// reference image is an upload the actor may read (their own, or one of a
// project they read); a variation's parent is a generation they may view.
func mayGenerate(actor uuid.UUID, project *uuid.UUID, refs []uuid.UUID, parent *uuid.UUID) velro.Check {
	checks := []velro.Check{mayAddGeneration(actor, project)}
	for _, id := range refs {
		checks = append(checks, velro.Allowed(actor, velro.ActionView, velro.KindUpload, id))
	}
	if parent != nil {
		checks = append(checks, velro.Allowed(actor, velro.ActionView, velro.KindGeneration, *parent))
	}
	return velro.All(checks...)
}

// references returns the reference uploads of a submit: the ones named
// (the rule let the actor read them), which must be images, and the one
// fetched from reference_image_url.
func (s *Service) references(ctx context.Context, actor uuid.UUID, in SubmitInput) ([]*velro.Upload, error) {
	refs := make([]*velro.Upload, 0, len(in.ReferenceUploadIDs)+1)
	for _, id := range in.ReferenceUploadIDs {
		u, err := s.Store.FindUpload(ctx, id)
		if err != nil {
			return nil, err
		}
		if !u.IsImage() {
			return nil, velro.Invalid("reference_upload_ids", "a reference must be an image upload")
		}
		refs = append(refs, u)
	}
	if in.ReferenceImageURL != "" {
		u, err := s.fetchReference(ctx, actor, in.ReferenceImageURL, in.ProjectID)
		if err != nil {
			return nil, err
		}
		refs = append(refs, u)
	}
	return refs, nil
}

// uploadIDs are the ids of the uploads.
func uploadIDs(uploads []*velro.Upload) []uuid.UUID {
	ids := make([]uuid.UUID, len(uploads))
	for i, u := range uploads {
		ids[i] = u.ID
	}
	return ids
}

// ReferenceFetchTimeout bounds the fetch of a reference_image_url: the
// submit request waits for it.
const ReferenceFetchTimeout = 30 * time.Second

var errUnfetchable = velro.Invalid("reference_image_url", "could not be fetched (https only, from a public address, answering 200)")

// fetchReference fetches an https URL under the outbound rules (package
// fetch) and keeps it as an upload of the actor, as any upload: sniffed,
// at most 20 MiB, within the quota.
func (s *Service) fetchReference(ctx context.Context, actor uuid.UUID, raw string, project *uuid.UUID) (*velro.Upload, error) {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return nil, velro.Invalid("reference_image_url", "must be an absolute https URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, velro.Invalid("reference_image_url", "must be an absolute https URL")
	}
	resp, err := s.Fetch.Do(req)
	if err != nil {
		return nil, errUnfetchable
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errUnfetchable
	}
	body := &bodyReader{r: resp.Body}
	name := path.Base(u.Path)
	if velro.CheckName("filename", name) != nil {
		name = "" // the URL's own business: the upload is named "upload"
	}
	up, err := s.Uploads.Create(ctx, actor, service.NewUpload{Filename: name, ProjectID: project, Body: body})
	if err != nil && body.err != nil { // the remote body broke off
		return nil, errUnfetchable
	}
	if err == nil && !up.IsImage() {
		_ = s.Uploads.Delete(ctx, actor, up.ID)
		return nil, velro.Invalid("reference_image_url", "must name an image")
	}
	return up, err
}

// bodyReader notes a failure reading a remote body.
type bodyReader struct {
	r   io.Reader
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		b.err = err
	}
	return n, err
}
