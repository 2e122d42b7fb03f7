package api

import (
	"net/http"
	"strings"

	"github.com/google/uuid"
)

// redacted stands in logs for a secret that was in a path.
const redacted = "[redacted]"

// secretWildcards are the path wildcards that carry secrets: the token of
// a mailed link proves an address, so whoever reads it in a log could
// register that address and accept the invitation.
var secretWildcards = []string{"token"}

// loggedPath is the request's path as logs and metrics may keep it: the
// value of every secret wildcard of the route it matched is redacted, and
// so is any segment shaped like a token (a long run of base64url
// characters that is not an id), for paths no route matched or routes
// added later under another name. Signed media URLs carry their signature
// in the query, which is never logged.
func loggedPath(r *http.Request) string {
	path := r.URL.Path
	for _, name := range secretWildcards {
		if v := r.PathValue(name); v != "" {
			path = strings.ReplaceAll(path, "/"+v, "/"+redacted)
		}
	}
	segments := strings.Split(path, "/")
	for i, s := range segments {
		if tokenShaped(s) {
			segments[i] = redacted
		}
	}
	return strings.Join(segments, "/")
}

// minTokenLen is the length from which a segment of base64url characters
// is taken for a token: Velro's are 43 (32 random bytes), API keys longer;
// the API's own segments (ids are 36 with hyphens, model names) are
// shorter or are ids.
const minTokenLen = 24

func tokenShaped(s string) bool {
	if len(s) < minTokenLen {
		return false
	}
	if _, err := uuid.Parse(s); err == nil {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == ""
}
