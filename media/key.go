package media

import (
	"io/fs"
	"strings"

	"github.com/velro-ai/velro"
)

// checkKey refuses anything but the plain relative names Velro builds
// (lowercase, digits, '-', '.', '/'), so no key can leave a directory
// root or address another prefix's objects.
func checkKey(key string) error {
	if key == "" || !fs.ValidPath(key) || strings.Trim(key, "abcdefghijklmnopqrstuvwxyz0123456789-./") != "" {
		return velro.Errorf(velro.EBADREQUEST, "Invalid media key.")
	}
	return nil
}

// ContentType is the media type served for key, from its extension.
func ContentType(key string) string {
	switch key[strings.LastIndexByte(key, '.')+1:] {
	case "png":
		return "image/png"
	case "jpg", "jpeg":
		return "image/jpeg"
	case "gif":
		return "image/gif"
	case "webp":
		return "image/webp"
	case "mp4":
		return "video/mp4"
	case "webm":
		return "video/webm"
	}
	return "application/octet-stream"
}
