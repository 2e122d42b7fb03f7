package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
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
func formAsJSON(authSvc *auth.Service, uploads *service.Uploads, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/generations" {
			next.ServeHTTP(w, r)
			return
		}
		var body map[string]any
		var err error
		switch mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt {
		case "multipart/form-data":
			body, err = readSubmitForm(w, r, authSvc, uploads)
		case "application/x-www-form-urlencoded":
			body, err = readURLEncoded(w, r)
		default:
			next.ServeHTTP(w, r)
			return
		}
		if err != nil {
			writeJSONError(w, newError(requestInfoFrom(r.Context()), err))
			return
		}
		raw, _ := json.Marshal(body)
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(raw)), int64(len(raw))
		r.Header.Set("Content-Type", "application/json")
		next.ServeHTTP(w, r)
	})
}

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

// readSubmitForm reads a multipart submit as it streams.
func readSubmitForm(w http.ResponseWriter, r *http.Request, authSvc *auth.Service, uploads *service.Uploads) (map[string]any, error) {
	form, err := newFormReader(w, r, maxUploadBody)
	if err != nil {
		return nil, err
	}
	body := submitBody{}
	for {
		part, err := form.next()
		if errors.Is(err, io.EOF) {
			return body, nil
		} else if err != nil {
			return nil, err
		}
		if part.FormName() != "reference_image" {
			v, err := value(part)
			if err != nil {
				return nil, err
			}
			if err := body.set(part.FormName(), v); err != nil {
				return nil, err
			}
			continue
		}
		token, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			return nil, errMissingToken
		}
		p, err := authSvc.Authenticate(r.Context(), token)
		if err != nil {
			return nil, err
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
			return nil, file.blame(err)
		}
		ids, _ := body["reference_upload_ids"].([]any)
		body["reference_upload_ids"] = append(ids, u.ID.String())
	}
}
