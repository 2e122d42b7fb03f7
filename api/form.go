package api

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/velro-ai/velro"
)

// maxFieldBytes bounds one text field of a multipart form.
const maxFieldBytes = 64 << 10

// formReader walks a multipart form part by part as it arrives: text
// fields are read (each at most maxFieldBytes), file parts are handed over
// as streams, so no file is ever held whole.
type formReader struct {
	mr *multipart.Reader
}

var (
	errNotForm      = velro.Errorf(velro.EMEDIATYPE, "Send a multipart/form-data body.")
	errFieldTooLong = velro.Errorf(velro.ETOOLARGE, "A form field is too long.")
)

// newFormReader reads r's multipart body, at most limit bytes of it.
func newFormReader(w http.ResponseWriter, r *http.Request, limit int64) (*formReader, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, errNotForm
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	return &formReader{mr: multipart.NewReader(r.Body, params["boundary"])}, nil
}

// next returns the next part (io.EOF after the last); a file part has a
// filename.
func (f *formReader) next() (*multipart.Part, error) {
	p, err := f.mr.NextPart()
	return p, formError(err)
}

// value reads a text part.
func value(p *multipart.Part) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, maxFieldBytes+1))
	if err != nil {
		return "", formError(err)
	}
	if len(b) > maxFieldBytes {
		return "", errFieldTooLong
	}
	return string(b), nil
}

// formError turns a failure to read the form into a client error: the
// body was too large (413) or is no well-formed form (400).
func formError(err error) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return velro.Errorf(velro.ETOOLARGE, "Request body is too large.")
	}
	if err == nil || errors.Is(err, io.EOF) {
		return err
	}
	if _, ok := errors.AsType[*velro.Error](err); ok {
		return err
	}
	return velro.Errorf(velro.EBADREQUEST, "Malformed form: %s", strings.TrimPrefix(err.Error(), "multipart: "))
}

// clientReader notes the error reading a client's body, so a failed
// upload can be told apart: the client's body broke (4xx) or storage did.
type clientReader struct {
	r   io.Reader
	err error
}

func (c *clientReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		c.err = err
	}
	return n, err
}

// blame returns the client's error if its body broke, else err.
func (c *clientReader) blame(err error) error {
	if c.err != nil {
		return formError(c.err)
	}
	return err
}
