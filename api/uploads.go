package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/media"
	"github.com/velro-ai/velro/service"
)

// maxUploadBody is the most an upload request may send: one file and a
// few small fields.
const maxUploadBody = velro.MaxUploadBytes + 1<<20

// uploadTimeout is how long an upload request may take to arrive (the
// server's read timeout is for ordinary requests).
const uploadTimeout = 10 * time.Minute

type createUploadInput struct {
	w   http.ResponseWriter
	req *http.Request
}

// Resolve takes the raw request: the body is a form read as it streams.
func (in *createUploadInput) Resolve(ctx huma.Context) []error {
	in.req, in.w = humago.Unwrap(ctx)
	return nil
}

type uploadOutput struct{ Body *velro.Upload }

// handleCreateUpload streams the form's "file" part into storage; a
// "project_id" field must come before it.
func handleCreateUpload(uploads *service.Uploads) func(context.Context, *createUploadInput) (*uploadOutput, error) {
	return func(ctx context.Context, in *createUploadInput) (*uploadOutput, error) {
		rc := http.NewResponseController(in.w)
		_ = rc.SetReadDeadline(time.Now().Add(uploadTimeout))
		_ = rc.SetWriteDeadline(time.Now().Add(uploadTimeout + time.Minute))
		form, err := newFormReader(in.w, in.req, maxUploadBody)
		if err != nil {
			return nil, err
		}
		var project *uuid.UUID
		for {
			part, err := form.next()
			if errors.Is(err, io.EOF) {
				return nil, velro.Invalid("file", "a file part is required")
			} else if err != nil {
				return nil, err
			}
			switch part.FormName() {
			case "project_id":
				v, err := value(part)
				if err != nil {
					return nil, err
				}
				id, err := parseID("project_id", v)
				if err != nil {
					return nil, err
				}
				project = &id
			case "file":
				body := &clientReader{r: part}
				u, err := uploads.Create(ctx, principal(ctx).UserID, service.NewUpload{Filename: part.FileName(), ProjectID: project, Body: body})
				if err != nil {
					return nil, body.blame(err)
				}
				return &uploadOutput{Body: u}, nil
			}
		}
	}
}

// documentUploadBody declares, in the OpenAPI document only, the
// multipart body the upload operation reads itself (declared on the
// operation, huma would read it first).
func documentUploadBody(api huma.API) {
	api.OpenAPI().Paths["/api/v1/uploads"].Post.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
		"multipart/form-data": {Schema: &huma.Schema{Type: "object", Required: []string{"file"}, Properties: map[string]*huma.Schema{
			"project_id": {Type: "string", Format: "uuid", Description: "Upload into this project (needs edit there; its readers can read the upload). Send it before the file."},
			"file":       {Type: "string", Format: "binary", Description: "PNG, JPEG, WebP, GIF or MP4 (sniffed from the bytes), at most 20 MiB"},
		}}},
	}}
}

type listUploadsInput struct {
	PageInput
	ProjectID string `query:"project_id" format:"uuid" doc:"List a readable project's uploads instead of your own"`
}

type uploadsOutput struct {
	Body struct {
		Uploads []*velro.Upload `json:"uploads"`
		PageInfo
	}
}

func handleListUploads(uploads *service.Uploads) func(context.Context, *listUploadsInput) (*uploadsOutput, error) {
	return func(ctx context.Context, in *listUploadsInput) (*uploadsOutput, error) {
		project, err := optionalID("project_id", in.ProjectID)
		if err != nil {
			return nil, err
		}
		list, total, err := uploads.List(ctx, principal(ctx).UserID, project, in.page())
		if err != nil {
			return nil, err
		}
		out := &uploadsOutput{}
		out.Body.Uploads, out.Body.PageInfo = list, in.info(total)
		return out, nil
	}
}

func handleGetUpload(uploads *service.Uploads) func(context.Context, *IDPath) (*uploadOutput, error) {
	return func(ctx context.Context, in *IDPath) (*uploadOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		u, err := uploads.Get(ctx, principal(ctx).UserID, id)
		if err != nil {
			return nil, err
		}
		return &uploadOutput{Body: u}, nil
	}
}

func handleDeleteUpload(uploads *service.Uploads) func(context.Context, *IDPath) (*messageOutput, error) {
	return func(ctx context.Context, in *IDPath) (*messageOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		if err := uploads.Delete(ctx, principal(ctx).UserID, id); err != nil {
			return nil, err
		}
		return message("Upload deleted successfully"), nil
	}
}

type uploadURLOutput struct {
	Body struct {
		URL       string    `json:"url" doc:"Works with no bearer token until it expires"`
		ExpiresIn int       `json:"expires_in" doc:"Seconds"`
		ExpiresAt time.Time `json:"expires_at"`
	}
}

// handleUploadURL signs a URL of an upload the caller may read.
func handleUploadURL(uploads *service.Uploads, signer *media.Signer, publicURL string) func(context.Context, *mediaURLsInput) (*uploadURLOutput, error) {
	return func(ctx context.Context, in *mediaURLsInput) (*uploadURLOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		u, err := uploads.Get(ctx, principal(ctx).UserID, id)
		if err != nil {
			return nil, err
		}
		base, expires := in.origin(publicURL), mediaExpiry()
		out := &uploadURLOutput{}
		out.Body.URL, out.Body.ExpiresAt, out.Body.ExpiresIn = base+signer.URL(u.MediaKey(), expires), expires, int(MediaURLTTL.Seconds())
		return out, nil
	}
}

type storageOutput struct{ Body velro.StorageUsage }

func handleStorage(uploads *service.Uploads) func(context.Context, *struct{}) (*storageOutput, error) {
	return func(ctx context.Context, _ *struct{}) (*storageOutput, error) {
		st, err := uploads.Usage(ctx, principal(ctx).UserID)
		if err != nil {
			return nil, err
		}
		return &storageOutput{Body: st}, nil
	}
}
