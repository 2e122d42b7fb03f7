package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/auth"
	"github.com/velro-ai/velro/service"
)

// maxBody is the limit of request bodies (docs/guide.md, "Requests and responses").
const maxBody = 1 << 20

// submitFields are the text fields a submit form may carry; each becomes
// the JSON body's field of the same name.
var submitFields = map[string]bool{"model_id": true, "prompt": true, "negative_prompt": true, "project_id": true,
	"reference_image_url": true, "parent_generation_id": true}

// formAsJSON lets POST /api/v1/generations take a multipart or URL-encoded
// form with the JSON body's fields (parameters as a JSON object in a text
// field, reference_upload_ids repeated): it turns the form into that JSON
// body before the operation reads it, so both arrive at one validated
// handler. A multipart form's reference_image file is streamed into an
// upload of the caller first (as POST /api/v1/uploads would), which the
// generation then references; fields before it (project_id) apply to it.
// The upload belongs to the submit: when the submit is refused (4xx) or
// answered by an idempotent replay (whose generation references the first
// request's upload), it is deleted, and its size given back to the quota.
func formAsJSON(authSvc *auth.Service, uploads *service.Uploads, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/generations" {
			next.ServeHTTP(w, r)
			return
		}
		var body map[string]any
		var made formUploads
		var err error
		switch mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt {
		case "multipart/form-data":
			body, made, err = readSubmitForm(w, r, authSvc, uploads)
		case "application/x-www-form-urlencoded":
			body, err = readURLEncoded(w, r)
		default:
			next.ServeHTTP(w, r)
			return
		}
		if err != nil {
			made.discard(r.Context(), uploads)
			writeJSONError(w, newError(requestInfoFrom(r.Context()), err))
			return
		}
		raw, _ := json.Marshal(body)
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(raw)), int64(len(raw))
		r.Header.Set("Content-Type", "application/json")
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		if sw.status >= 400 && sw.status < 500 || w.Header().Get("Idempotent-Replayed") == "true" {
			made.discard(r.Context(), uploads)
		}
	})
}

// formUploads are the uploads a multipart submit made, and for whom.
type formUploads struct {
	actor uuid.UUID
	ids   []uuid.UUID
}

// discard deletes the uploads, even if the client has gone: a refused
// submit leaves nothing behind. A failure is logged; the upload stays the
// user's, listed and deletable.
func (f formUploads) discard(ctx context.Context, uploads *service.Uploads) {
	ctx = context.WithoutCancel(ctx)
	for _, id := range f.ids {
		if err := uploads.Delete(ctx, f.actor, id); err != nil {
			slog.WarnContext(ctx, "the upload of a refused submit was not deleted", "upload_id", id, "error", err)
		}
	}
}

// statusWriter records the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the writer beneath.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// submitBody collects a form's fields into the JSON body.
type submitBody map[string]any

func (b submitBody) set(name, v string) error {
	switch {
	case name == "parameters":
		var params map[string]any
		if err := json.Unmarshal([]byte(v), &params); err != nil {
			return velro.Invalid("parameters", "must be a JSON object")
		}
		b[name] = params
	case name == "reference_upload_ids":
		ids, _ := b[name].([]any)
		b[name] = append(ids, v)
	case submitFields[name] && v != "":
		b[name] = v
	}
	return nil
}

func readURLEncoded(w http.ResponseWriter, r *http.Request) (map[string]any, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		return nil, formError(err)
	}
	body := submitBody{}
	for name, values := range r.PostForm {
		for _, v := range values {
			if err := body.set(name, v); err != nil {
				return nil, err
			}
		}
	}
	return body, nil
}

// readSubmitForm reads a multipart submit as it streams; made holds the
// uploads it created, even when it fails.
func readSubmitForm(w http.ResponseWriter, r *http.Request, authSvc *auth.Service, uploads *service.Uploads) (_ map[string]any, made formUploads, _ error) {
	form, err := newFormReader(w, r, maxUploadBody)
	if err != nil {
		return nil, made, err
	}
	body := submitBody{}
	for {
		part, err := form.next()
		if errors.Is(err, io.EOF) {
			return body, made, nil
		} else if err != nil {
			return nil, made, err
		}
		if part.FormName() != "reference_image" {
			v, err := value(part)
			if err != nil {
				return nil, made, err
			}
			if err := body.set(part.FormName(), v); err != nil {
				return nil, made, err
			}
			continue
		}
		token, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			return nil, made, errMissingToken
		}
		p, err := authSvc.Authenticate(r.Context(), token)
		if err != nil {
			return nil, made, err
		}
		var project *uuid.UUID
		if s, ok := body["project_id"].(string); ok {
			if id, err := uuid.Parse(s); err == nil {
				project = &id
			}
		}
		file := &clientReader{r: part}
		u, err := uploads.Create(r.Context(), p.UserID, service.NewUpload{Filename: part.FileName(), ProjectID: project, Body: file})
		if err != nil {
			return nil, made, file.blame(err)
		}
		made.actor, made.ids = p.UserID, append(made.ids, u.ID)
		ids, _ := body["reference_upload_ids"].([]any)
		body["reference_upload_ids"] = append(ids, u.ID.String())
	}
}
