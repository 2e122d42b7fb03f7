package generate

import (
	"context"
	"encoding/base64"
	"io"
	"strings"
	"time"

	"github.com/velro-ai/velro"
)

// Reference is a reference image of a generation, kept in Velro's media
// storage.
type Reference struct {
	ContentType string
	// Open reads the image from storage.
	Open func(ctx context.Context) (velro.MediaFile, error)
	// URL is how a remote provider fetches it: a short-lived signed Velro
	// URL when Velro has a public URL (VELRO_PUBLIC_URL), else the image
	// inline as a data: URI.
	URL func(ctx context.Context) (string, error)
}

// ReferenceURLTTL is how long the signed URL a provider gets works: long
// enough for a queued request to start.
const ReferenceURLTTL = time.Hour

// references looks up a generation's reference uploads. One deleted
// since the submit fails the generation (it is refunded).
func (w *Worker) references(ctx context.Context, g *velro.Generation) ([]Reference, error) {
	refs := make([]Reference, 0, len(g.ReferenceUploadIDs))
	for _, id := range g.ReferenceUploadIDs {
		u, err := w.Store.FindUpload(ctx, id)
		if velro.ErrorCode(err) == velro.ENOTFOUND {
			return nil, Permanent(failed(reasonReference, err))
		} else if err != nil {
			return nil, err
		}
		key := u.MediaKey()
		refs = append(refs, Reference{
			ContentType: u.ContentType,
			Open:        func(ctx context.Context) (velro.MediaFile, error) { return w.Media.Open(ctx, key) },
			URL:         func(ctx context.Context) (string, error) { return w.referenceURL(ctx, key, u.ContentType) },
		})
	}
	return refs, nil
}

func (w *Worker) referenceURL(ctx context.Context, key, contentType string) (string, error) {
	if w.PublicURL != "" {
		return strings.TrimSuffix(w.PublicURL, "/") + w.Signer.URL(key, time.Now().Add(ReferenceURLTTL)), nil
	}
	f, err := w.Media.Open(ctx, key)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var b strings.Builder
	b.WriteString("data:" + contentType + ";base64,")
	enc := base64.NewEncoder(base64.StdEncoding, &b)
	if _, err := io.Copy(enc, f); err != nil {
		return "", err
	}
	enc.Close()
	return b.String(), nil
}
