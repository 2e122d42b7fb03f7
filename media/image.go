package media

import (
	"image"
	"io"
	"net/http"

	// The formats uploads and reference images may have.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/webp"

	"github.com/velro-ai/velro"
)

// SniffLen is how much of a file Sniff looks at.
const SniffLen = 512

// Sniff names the type of a file from its first bytes (at most SniffLen),
// as browsers do (the WHATWG algorithm), whatever its name says.
func Sniff(head []byte) string { return http.DetectContentType(head) }

// MaxPixels bounds the images Velro decodes (a small compressed file can
// claim a huge canvas).
const MaxPixels = 50_000_000

var errNotImage = velro.Errorf(velro.EMEDIATYPE, "The file is not a readable image.")

// ImageSize reads an image's dimensions from its header; EMEDIATYPE if it
// is not a readable image or is larger than MaxPixels.
func ImageSize(r io.Reader) (width, height int, err error) {
	cfg, _, err := image.DecodeConfig(r)
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxPixels {
		return 0, 0, errNotImage
	}
	return cfg.Width, cfg.Height, nil
}

// Counter counts the bytes read through it.
type Counter struct {
	R io.Reader
	N int64
}

func (c *Counter) Read(p []byte) (int, error) {
	n, err := c.R.Read(p)
	c.N += int64(n)
	return n, err
}
