package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/velro-ai/velro"
)

// maxBody is API.md's limit for request bodies.
const maxBody = 1 << 20

// formAsJSON lets POST /api/v1/generations take a multipart or URL-encoded
// form with the JSON body's fields (parameters as a JSON object in a text
// field): it turns the form into that JSON body before the operation reads
// it, so both arrive at one validated handler.
func formAsJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/generations" {
			next.ServeHTTP(w, r)
			return
		}
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" && mt != "application/x-www-form-urlencoded" {
			next.ServeHTTP(w, r)
			return
		}
		info := requestInfoFrom(r.Context())
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := r.ParseMultipartForm(maxBody); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeJSONError(w, &errorBody{Detail: "Request body is too large.", Code: "request_too_large", RequestID: info.id, status: http.StatusRequestEntityTooLarge})
			} else {
				writeJSONError(w, &errorBody{Detail: "Malformed form: " + err.Error(), Code: velro.EBADREQUEST, RequestID: info.id, status: http.StatusBadRequest})
			}
			return
		}
		body := map[string]any{}
		for _, field := range []string{"model_id", "prompt", "negative_prompt", "project_id"} {
			if v := r.PostFormValue(field); v != "" {
				body[field] = v
			}
		}
		if p := r.PostFormValue("parameters"); p != "" {
			var params map[string]any
			if err := json.Unmarshal([]byte(p), &params); err != nil {
				writeJSONError(w, &errorBody{Detail: "parameters: must be a JSON object", Code: velro.EINVALID, RequestID: info.id,
					Errors: []velro.FieldError{{Field: "parameters", Message: "must be a JSON object"}}, status: http.StatusUnprocessableEntity})
				return
			}
			body["parameters"] = params
		}
		raw, _ := json.Marshal(body)
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(raw)), int64(len(raw))
		r.Header.Set("Content-Type", "application/json")
		next.ServeHTTP(w, r)
	})
}
