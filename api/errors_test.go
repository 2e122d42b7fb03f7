package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/velro-ai/velro/internal/testenv"
)

// TestGuideErrorCodes: docs/guide.md lists every error code with its
// status, generated from ErrorCodes.
func TestGuideErrorCodes(t *testing.T) {
	var b strings.Builder
	b.WriteString("| status | `error` | meaning |\n|---|---|---|\n")
	for _, c := range ErrorCodes() {
		fmt.Fprintf(&b, "| %d %s | `%s` | %s |\n", c.Status, http.StatusText(c.Status), c.Code, c.Meaning)
	}
	testenv.Generated(t, "../docs/guide.md", "errors", b.String())
}
