package main

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/velro-ai/velro"
)

// form builds a multipart body: fields (name, value, ...) first, then a
// "file" part when filename is not empty. It returns the body and its
// content type.
func form(t testing.TB, filename string, data []byte, fields ...string) (string, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		if err := w.WriteField(fields[i], fields[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if filename != "" {
		part, err := w.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		part.Write(data)
	}
	w.Close()
	return b.String(), w.FormDataContentType()
}

// upload posts a file (and fields) to /api/v1/uploads.
func upload(t testing.TB, c *client, filename string, data []byte, fields ...string) *response {
	t.Helper()
	body, ct := form(t, filename, data, fields...)
	return c.do("POST", "/api/v1/uploads", body, "Content-Type", ct)
}

// testImage encodes a w x h picture with encode.
func testImage(t testing.TB, w, h int, encode func(*bytes.Buffer, image.Image) error) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	var b bytes.Buffer
	if err := encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngOf(t testing.TB, w, h int) []byte {
	return testImage(t, w, h, func(b *bytes.Buffer, i image.Image) error { return png.Encode(b, i) })
}

// webp is a 1x1 lossless WebP picture.
var webp = []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")

// elf is the start of a Linux executable.
var elf = append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 120)...)

// mp4 is the start of an MP4 file: an ftyp box.
var mp4 = append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 64)...)

// TestUploads covers the upload endpoints on both engines and both media
// stores: the type comes from the bytes, limits and quota hold, readers of
// a project read its uploads, deletion removes the bytes.
func TestUploads(t *testing.T) {
	forEachBackend(t, testUploads)
	t.Run("sqlite+s3", func(t *testing.T) {
		e, _ := withS3(t, env{})
		testUploads(t, e)
	})
}

func testUploads(t *testing.T, e env) {
	e["VELRO_UPLOAD_QUOTA"] = "2MiB"
	s := startServer(t, e)
	c := s.client(t)
	ada, bob, cy := register(t, c, "ada@example.com"), register(t, c, "bob@example.com"), register(t, c, "cy@example.com")
	a, b, y := c.with(ada.Access), c.with(bob.Access), c.with(cy.Access)

	// Sniffed from the bytes, whatever the name says.
	pic := pngOf(t, 40, 30)
	u := upload(t, a, "holiday.exe", pic).want(t, 201).JSON(t)
	if u["content_type"] != "image/png" || u["width"] != 40.0 || u["height"] != 30.0 || u["size"] != float64(len(pic)) ||
		u["filename"] != "holiday.exe" || u["user_id"] != ada.ID || u["project_id"] != nil || len(u["sha256"].(string)) != 64 {
		t.Fatalf("uploaded %v", u)
	}
	upload(t, a, "cat.png", elf).wantError(t, 415, "unsupported_media_type")
	upload(t, a, "empty.png", nil).wantError(t, 415, "unsupported_media_type")
	jpg := testImage(t, 8, 9, func(b *bytes.Buffer, i image.Image) error { return jpeg.Encode(b, i, nil) })
	if j := upload(t, a, "x", jpg).want(t, 201).JSON(t); j["content_type"] != "image/jpeg" || j["width"] != 8.0 {
		t.Fatalf("jpeg %v", j)
	}
	g := testImage(t, 5, 4, func(b *bytes.Buffer, i image.Image) error { return gif.Encode(b, i, nil) })
	if j := upload(t, a, "x.gif", g).want(t, 201).JSON(t); j["content_type"] != "image/gif" || j["height"] != 4.0 {
		t.Fatalf("gif %v", j)
	}
	if w := upload(t, a, "dot", webp).want(t, 201).JSON(t); w["content_type"] != "image/webp" || w["width"] != 1.0 {
		t.Fatalf("webp %v", w)
	}
	if v := upload(t, a, "clip.mp4", mp4).want(t, 201).JSON(t); v["content_type"] != "video/mp4" || v["width"] != nil {
		t.Fatalf("mp4 %v", v)
	}
	// A PNG signature with no image behind it is no image.
	upload(t, a, "broken.png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...)).wantError(t, 415, "unsupported_media_type")
	// Not a form, no file, a bad project id.
	a.do("POST", "/api/v1/uploads", map[string]any{"file": "x"}).wantError(t, 415, "unsupported_media_type")
	body, ct := form(t, "", nil, "project_id", "x")
	a.do("POST", "/api/v1/uploads", body, "Content-Type", ct).wantError(t, 422, "invalid")
	body, ct = form(t, "", nil)
	a.do("POST", "/api/v1/uploads", body, "Content-Type", ct).wantError(t, 422, "invalid")
	c.do("POST", "/api/v1/uploads", body, "Content-Type", ct).wantError(t, 401, "unauthorized")
	// A body cut off in the middle of the file is the client's fault.
	body, ct = form(t, "cut.png", append(pngOf(t, 4, 4), make([]byte, 4096)...))
	a.do("POST", "/api/v1/uploads", body[:len(body)-2000], "Content-Type", ct).wantError(t, 400, "bad_request")
	a.do("POST", "/api/v1/uploads", "--x\r\nnot a part", "Content-Type", "multipart/form-data; boundary=x").wantError(t, 400, "bad_request")
	upload(t, a, "p.png", pic, "project_id", "00000000-0000-0000-0000-000000000000").wantError(t, 404, "not_found")
	a.do("GET", "/api/v1/uploads/nope", nil).wantError(t, 422, "invalid")

	// At most 20 MiB a file (more than the whole quota here, so the
	// limit speaks first); nothing is kept.
	big := append(pngOf(t, 4, 4), make([]byte, 20<<20)...)
	upload(t, a, "big.png", big).wantError(t, 413, "request_too_large")

	// The listing, one upload, its signed URL (no token needed).
	id := u["id"].(string)
	if l := a.do("GET", "/api/v1/uploads?limit=2", nil).want(t, 200).JSON(t); l["total"] != 5.0 || len(l["uploads"].([]any)) != 2 {
		t.Fatalf("list %v", l)
	}
	a.do("GET", "/api/v1/uploads/"+id, nil).want(t, 200)
	signed := a.do("GET", "/api/v1/uploads/"+id+"/url", nil).want(t, 200).JSON(t)
	if code, got := fetch(t, signed["url"].(string), ""); code != 200 || !bytes.Equal(got, pic) {
		t.Fatalf("signed URL: %d, %d bytes", code, len(got))
	}
	if e["DATABASE_URL"] == "" && e["VELRO_MEDIA_URL"] == "" { // refused files left no bytes behind
		if dirs, err := os.ReadDir(filepath.Join(s.DataDir, "media", "uploads")); err != nil || len(dirs) != 5 {
			t.Fatalf("%d upload directories for 5 uploads (%v)", len(dirs), err)
		}
	}
	b.do("GET", "/api/v1/uploads/"+id, nil).wantError(t, 404, "not_found")
	b.do("GET", "/api/v1/uploads/"+id+"/url", nil).wantError(t, 404, "not_found")
	b.do("DELETE", "/api/v1/uploads/"+id, nil).wantError(t, 404, "not_found")

	// A project upload: the project's readers read it; only its owner
	// deletes it; uploading there takes edit.
	p := a.do("POST", "/api/v1/projects", map[string]any{"name": "Refs", "visibility": "team-only"}).want(t, 201).Str(t, "id")
	team := a.do("POST", "/api/v1/teams", map[string]any{"name": "Crew"}).want(t, 201).Str(t, "id")
	a.do("POST", "/api/v1/teams/"+team+"/members", map[string]any{"email": bob.Email, "role": "viewer"}).want(t, 201)
	a.do("POST", "/api/v1/projects/"+p+"/teams", map[string]any{"team_id": team, "access_level": "read"}).want(t, 201)
	shared := upload(t, a, "ref.png", pic, "project_id", p).want(t, 201).JSON(t)
	sid := shared["id"].(string)
	if shared["project_id"] != p {
		t.Fatalf("project upload %v", shared)
	}
	b.do("GET", "/api/v1/uploads/"+sid, nil).want(t, 200)
	b.do("GET", "/api/v1/uploads/"+sid+"/url", nil).want(t, 200)
	if l := b.do("GET", "/api/v1/uploads?project_id="+p, nil).want(t, 200).JSON(t); l["total"] != 1.0 {
		t.Fatalf("project list %v", l)
	}
	b.do("DELETE", "/api/v1/uploads/"+sid, nil).wantError(t, 403, "forbidden")
	upload(t, b, "mine.png", pic, "project_id", p).wantError(t, 403, "forbidden")
	upload(t, y, "mine.png", pic, "project_id", p).wantError(t, 404, "not_found")
	y.do("GET", "/api/v1/uploads/"+sid, nil).wantError(t, 404, "not_found")
	// Unsharing takes the upload away from bob at once.
	a.do("DELETE", "/api/v1/projects/"+p+"/teams/"+team, nil).want(t, 200)
	b.do("GET", "/api/v1/uploads/"+sid, nil).wantError(t, 404, "not_found")

	// Deletion removes the bytes: the signed URL is gone, and so is the
	// file (in the data dir's store).
	a.do("DELETE", "/api/v1/uploads/"+id, nil).want(t, 200)
	a.do("GET", "/api/v1/uploads/"+id, nil).wantError(t, 404, "not_found")
	if code, _ := fetch(t, signed["url"].(string), ""); code != http.StatusGone {
		t.Fatalf("signed URL of a deleted upload: %d", code)
	}
	if e["DATABASE_URL"] == "" && e["VELRO_MEDIA_URL"] == "" {
		if _, err := os.Stat(filepath.Join(s.DataDir, "media", "uploads", id)); !os.IsNotExist(err) {
			t.Fatalf("the deleted upload's bytes are still there: %v", err)
		}
	}
	if u := e["VELRO_MEDIA_URL"]; u != "" {
		_, err := openS3Store(t, e, u).Open(t.Context(), "uploads/"+id+"/original.png")
		if velro.ErrorCode(err) != velro.ENOTFOUND {
			t.Fatalf("the deleted upload's object is still there: %v", err)
		}
	}
	st := a.do("GET", "/api/v1/user/storage", nil).want(t, 200).JSON(t)
	if st["upload_count"] != 5.0 || st["quota_bytes"] != float64(2<<20) || st["used_bytes"].(float64) < st["upload_bytes"].(float64) {
		t.Fatalf("storage %v", st)
	}
}

// TestUploadQuotaConcurrent sends uploads at the same instant against one
// quota, on both engines: as many as fit are accepted, the others refused
// with quota_exceeded, and the usage never passes the quota.
func TestUploadQuotaConcurrent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		e["VELRO_UPLOAD_QUOTA"] = "100KiB"
		c := startServer(t, e).client(t)
		a := c.with(register(t, c, "ada@example.com").Access)
		file := append(pngOf(t, 4, 4), make([]byte, 30<<10)...) // a PNG with trailing bytes: 3 fit
		const n = 8
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[string]int{}
		start := make(chan struct{})
		for range n {
			wg.Go(func() {
				<-start
				r := upload(t, a, "p.png", file)
				code := "created"
				if r.Status != 201 {
					code = r.Str(t, "error")
				}
				mu.Lock()
				codes[code]++
				mu.Unlock()
			})
		}
		close(start)
		wg.Wait()
		st := a.do("GET", "/api/v1/user/storage", nil).want(t, 200).JSON(t)
		if codes["created"] != 3 || codes["quota_exceeded"] != n-3 || st["upload_bytes"] != float64(3*len(file)) || st["upload_count"] != 3.0 {
			t.Fatalf("outcomes %v, storage %v", codes, st)
		}
		upload(t, a, "one-more.png", file).wantError(t, 413, "quota_exceeded")
		upload(t, a, "small.png", pngOf(t, 2, 2)).want(t, 201) // what is left still takes a small file
	})
}
