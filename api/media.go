package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/generate"
	"github.com/velro-ai/velro/media"
	"golang.org/x/net/http/httpguts"
)

// MediaURLTTL is how long a signed media URL works.
const MediaURLTTL = time.Hour

type mediaURLsInput struct {
	IDPath
	base string
}

// Resolve notes the origin the client reached, for absolute URLs: the
// request's own scheme and Host or, from a trusted proxy
// (VELRO_TRUSTED_PROXIES), the X-Forwarded-Proto and X-Forwarded-Host it
// sets. Anyone else's forwarding headers are ignored: they could point
// signed URLs at another host.
func (in *mediaURLsInput) Resolve(ctx huma.Context) []error {
	scheme, host := "http", ctx.Host()
	if ctx.TLS() != nil {
		scheme = "https"
	}
	if requestInfoFrom(ctx.Context()).viaProxy {
		if p := firstValue(ctx.Header("X-Forwarded-Proto")); p == "http" || p == "https" {
			scheme = p
		}
		if h := firstValue(ctx.Header("X-Forwarded-Host")); h != "" && httpguts.ValidHostHeader(h) {
			host = h
		}
	}
	in.base = scheme + "://" + host
	return nil
}

// origin is where signed URLs point: publicURL when set, else the
// server as the request reached it.
func (in *mediaURLsInput) origin(publicURL string) string {
	if publicURL != "" {
		return strings.TrimSuffix(publicURL, "/")
	}
	return in.base
}

// mediaExpiry is when a URL signed now expires.
func mediaExpiry() time.Time { return time.Now().Add(MediaURLTTL).UTC().Truncate(time.Second) }

// firstValue is the first of a comma-separated header's values: the one
// the client-facing proxy set.
func firstValue(header string) string {
	v, _, _ := strings.Cut(header, ",")
	return strings.TrimSpace(v)
}

type mediaURLsOutput struct {
	Body struct {
		GenerationID string    `json:"generation_id"`
		SignedURLs   []string  `json:"signed_urls"`
		PrimaryURL   *string   `json:"primary_url"`
		ExpiresIn    int       `json:"expires_in" doc:"Seconds"`
		ExpiresAt    time.Time `json:"expires_at"`
		FileCount    int       `json:"file_count"`
	}
}

// handleMediaURLs signs URLs for a generation's outputs (download
// permission). publicURL, when set, is the origin the URLs use.
func handleMediaURLs(gen *generate.Service, signer *media.Signer, publicURL string) func(context.Context, *mediaURLsInput) (*mediaURLsOutput, error) {
	return func(ctx context.Context, in *mediaURLsInput) (*mediaURLsOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		g, err := gen.ForDownload(ctx, principal(ctx).UserID, id)
		if err != nil {
			return nil, err
		}
		base, expires := in.origin(publicURL), mediaExpiry()
		out := &mediaURLsOutput{}
		out.Body.GenerationID, out.Body.ExpiresAt, out.Body.ExpiresIn = g.ID.String(), expires, int(MediaURLTTL.Seconds())
		out.Body.SignedURLs = make([]string, len(g.OutputURLs))
		for i, key := range g.OutputURLs {
			out.Body.SignedURLs[i] = base + signer.URL(key, expires)
		}
		out.Body.FileCount = len(out.Body.SignedURLs)
		if len(out.Body.SignedURLs) > 0 {
			out.Body.PrimaryURL = &out.Body.SignedURLs[0]
		}
		return out, nil
	}
}

// serveMedia serves a stored file to whoever holds a valid signed URL: no
// bearer token. Tampered or expired signatures get 403; a file that is
// gone (its generation was deleted) gets 410.
func serveMedia(files velro.MediaStore, signer *media.Signer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := requestInfoFrom(r.Context())
		key := r.PathValue("key")
		q := r.URL.Query()
		if !signer.Check(key, q.Get("expires"), q.Get("sig"), time.Now()) {
			writeJSONError(w, &errorBody{Detail: "The media link is invalid or has expired.", Code: velro.EFORBIDDEN, RequestID: info.id, status: http.StatusForbidden})
			return
		}
		f, err := files.Open(r.Context(), key)
		if velro.ErrorCode(err) == velro.ENOTFOUND || velro.ErrorCode(err) == velro.EBADREQUEST {
			writeJSONError(w, &errorBody{Detail: "This media no longer exists.", Code: "gone", RequestID: info.id, status: http.StatusGone})
			return
		} else if err != nil {
			info.log.Error("open media", "request_id", info.id, "error", err)
			writeJSONError(w, &errorBody{Detail: "Internal error.", Code: velro.EINTERNAL, RequestID: info.id, status: http.StatusInternalServerError})
			return
		}
		defer f.Close()
		exp, _ := strconv.ParseInt(q.Get("expires"), 10, 64)
		h := w.Header()
		h.Set("Content-Type", media.ContentType(key))
		h.Set("Cache-Control", "private, max-age="+strconv.FormatInt(max(0, exp-time.Now().Unix()), 10))
		http.ServeContent(w, r, "", f.ModTime(), f)
	})
}
