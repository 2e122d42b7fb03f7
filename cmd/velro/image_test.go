package main

import (
	"bytes"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/velro-ai/velro/internal/falfake"
)

// output downloads a completed generation's first output.
func output(t *testing.T, c *client, id string) []byte {
	t.Helper()
	urls := c.do("GET", "/api/v1/generations/"+id+"/media-urls", nil).want(t, 200).JSON(t)
	code, body := fetch(t, urls["primary_url"].(string), "")
	if code != 200 {
		t.Fatalf("output of %s: status %d", id, code)
	}
	return body
}

func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestImageEdit: the built-in image-to-image model edits an upload, the
// same way every time, visibly: the output is the reference mirrored, in
// few colour levels.
func TestImageEdit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e env) {
		c := startServer(t, e).client(t)
		a := c.with(register(t, c, "ada@example.com").Access)
		pic := pngOf(t, 64, 48)
		ref := upload(t, a, "photo.png", pic).want(t, 201).Str(t, "id")

		edit := func(prompt string) (map[string]any, []byte) {
			g := submit(t, a, map[string]any{"model_id": "local/image-edit", "prompt": prompt, "reference_upload_ids": []string{ref}})
			g = waitStatus(t, a, g["id"].(string), "completed")
			return g, output(t, a, g["id"].(string))
		}
		g, out := edit("sepia dream")
		if refs := g["reference_upload_ids"].([]any); len(refs) != 1 || refs[0] != ref || g["cost"] != 5.0 {
			t.Fatalf("edit %v", g)
		}
		if g["started_at"] == nil || g["processing_time_ms"] == nil || g["processing_time_ms"].(float64) < 0 {
			t.Fatalf("times of a completed generation %v", g)
		}
		img := decodePNG(t, out)
		if b := img.Bounds(); b.Dx() != 64 || b.Dy() != 48 {
			t.Fatalf("edited size %v", b)
		}
		// Four levels a channel: every value is one of 0, 85, 170, 255.
		// The source's gradient runs left to right in red; mirrored, it
		// runs right to left.
		levels := map[uint32]bool{}
		for y := range 48 {
			for x := range 64 {
				r, g, b, _ := img.At(x, y).RGBA()
				levels[r>>8], levels[g>>8], levels[b>>8] = true, true, true
			}
		}
		for v := range levels {
			if v%85 != 0 {
				t.Fatalf("channel value %d is not posterized to 4 levels", v)
			}
		}
		left, _, _, _ := img.At(0, 24).RGBA()
		right, _, _, _ := img.At(63, 24).RGBA()
		if left <= right {
			t.Fatalf("not mirrored: red %d on the left, %d on the right", left>>8, right>>8)
		}
		if _, again := edit("sepia dream"); !bytes.Equal(again, out) {
			t.Fatal("the same edit gave different bytes")
		}
		if _, other := edit("neon night"); bytes.Equal(other, out) {
			t.Fatal("another prompt gave the same picture")
		}

		// Inputs the model needs, and those it does not take.
		a.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/image-edit", "prompt": "p"}).wantError(t, 422, "invalid")
		a.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/image", "prompt": "p", "reference_upload_ids": []string{ref}}).wantError(t, 422, "invalid")
		a.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/image-edit", "prompt": "p",
			"reference_upload_ids": []string{ref, ref, ref, ref, ref}}).wantError(t, 422, "invalid")
		a.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/image-edit", "prompt": "p", "reference_upload_ids": []string{"nope"}}).wantError(t, 422, "invalid")
		clip := upload(t, a, "clip.mp4", mp4).want(t, 201).Str(t, "id")
		a.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/image-edit", "prompt": "p", "reference_upload_ids": []string{clip}}).wantError(t, 422, "invalid")
		b := c.with(register(t, c, "bob@example.com").Access)
		b.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/image-edit", "prompt": "p", "reference_upload_ids": []string{ref}}).wantError(t, 404, "not_found")
		if bal := b.do("GET", "/api/v1/credits/balance", nil).JSON(t)["balance"]; bal != 1000.0 {
			t.Fatalf("refused submits charged: %v", bal)
		}

		// A multipart submit with the reference as a file.
		fbody, fct := formWithFile(t, "reference_image", "pic.png", pic, "model_id", "local/image-edit", "prompt", "from a form", "parameters", `{"levels": 2, "mirror": false}`)
		fg := a.do("POST", "/api/v1/generations", fbody, "Content-Type", fct).want(t, 201).JSON(t)
		if refs := fg["reference_upload_ids"].([]any); len(refs) != 1 || refs[0] == ref {
			t.Fatalf("form submit %v", fg)
		}
		waitStatus(t, a, fg["id"].(string), "completed")
		c.do("POST", "/api/v1/generations", fbody, "Content-Type", fct).wantError(t, 401, "unauthorized")
		// A retry sends the file again: the same bytes are the same request.
		first := a.do("POST", "/api/v1/generations", fbody, "Content-Type", fct, "Idempotency-Key", "edit-1").want(t, 201)
		again := a.do("POST", "/api/v1/generations", fbody, "Content-Type", fct, "Idempotency-Key", "edit-1").want(t, 201)
		if first.Str(t, "id") != again.Str(t, "id") || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("a retried form submit: %s then %s", first.Body, again.Body)
		}
		other, otherCT := formWithFile(t, "reference_image", "pic.png", pngOf(t, 9, 9), "model_id", "local/image-edit", "prompt", "from a form",
			"parameters", `{"levels": 2, "mirror": false}`)
		a.do("POST", "/api/v1/generations", other, "Content-Type", otherCT, "Idempotency-Key", "edit-1").wantError(t, 422, "idempotency_key_reused")
		bad, badCT := formWithFile(t, "reference_image", "pic.png", elf, "model_id", "local/image-edit", "prompt", "p")
		a.do("POST", "/api/v1/generations", bad, "Content-Type", badCT).wantError(t, 415, "unsupported_media_type")

		// The upload belongs to the submit: a refused submit, the replay
		// above and the reused key leave no upload behind and give the
		// quota back. Three uploads stand: ref, clip and the first form's.
		refused, refusedCT := formWithFile(t, "reference_image", "pic.png", pic, "model_id", "local/image-edit", "prompt", "p",
			"parameters", `{"levels": 99}`)
		a.do("POST", "/api/v1/generations", refused, "Content-Type", refusedCT).wantError(t, 422, "invalid")
		if n := a.do("GET", "/api/v1/uploads", nil).want(t, 200).JSON(t)["total"]; n != 4.0 {
			t.Fatalf("%v uploads after refused and replayed form submits, want 4 (ref, clip, two accepted forms)", n)
		}
	})
}

// formWithFile builds a multipart body with the fields, then a file part.
func formWithFile(t *testing.T, field, filename string, data []byte, fields ...string) (string, string) {
	t.Helper()
	body, ct := form(t, filename, data, fields...)
	return strings.Replace(body, `name="file"`, `name="`+field+`"`, 1), ct
}

// TestVariations: a variation records its parent and inherits its
// project; a parent the caller may not view is not found.
func TestVariations(t *testing.T) {
	c := startServer(t, env{}).client(t)
	a := c.with(register(t, c, "ada@example.com").Access)
	b := c.with(register(t, c, "bob@example.com").Access)
	p := a.do("POST", "/api/v1/projects", map[string]any{"name": "Series"}).want(t, 201).Str(t, "id")
	parent := submit(t, a, map[string]any{"model_id": "local/image", "prompt": "a fox", "project_id": p})["id"].(string)
	v := submit(t, a, map[string]any{"model_id": "local/image", "prompt": "a fox, again", "parent_generation_id": parent})
	if v["parent_generation_id"] != parent || v["project_id"] != p {
		t.Fatalf("variation %v", v)
	}
	own := submit(t, a, map[string]any{"model_id": "local/image", "prompt": "elsewhere", "parent_generation_id": parent,
		"project_id": a.do("POST", "/api/v1/projects", map[string]any{"name": "Other"}).want(t, 201).Str(t, "id")})
	if own["project_id"] == p {
		t.Fatalf("a variation given a project went to the parent's: %v", own)
	}
	b.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/image", "prompt": "x", "parent_generation_id": parent}).wantError(t, 404, "not_found")
	a.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/image", "prompt": "x", "parent_generation_id": "nope"}).wantError(t, 422, "invalid")
}

// TestReferenceImageURL: a reference given by URL is fetched under the
// outbound rules into an upload of the caller.
func TestReferenceImageURL(t *testing.T) {
	pic := pngOf(t, 20, 20)
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cat.png":
			w.Write(pic)
		case "/program":
			w.Write(elf)
		default:
			http.NotFound(w, r)
		}
	}))
	defer remote.Close()

	// Without admission, a loopback URL is refused (and plain http is).
	c := startServer(t, env{}).client(t)
	a := c.with(register(t, c, "ada@example.com").Access)
	a.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/image-edit", "prompt": "p", "reference_image_url": remote.URL + "/cat.png"}).
		wantError(t, 422, "invalid")
	a.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/image-edit", "prompt": "p", "reference_image_url": "https://127.0.0.1:1/cat.png"}).
		wantError(t, 422, "invalid")
	if n := a.do("GET", "/api/v1/uploads", nil).want(t, 200).JSON(t)["total"]; n != 0.0 {
		t.Fatalf("refused fetches left %v uploads", n)
	}

	// Admitted (VELRO_FETCH_ALLOW, as on-premises storage would be).
	c = startServer(t, env{"VELRO_FETCH_ALLOW": remote.URL}).client(t)
	a = c.with(register(t, c, "ada@example.com").Access)
	g := submit(t, a, map[string]any{"model_id": "local/image-edit", "prompt": "p", "reference_image_url": remote.URL + "/cat.png"})
	refs := g["reference_upload_ids"].([]any)
	u := a.do("GET", "/api/v1/uploads/"+refs[0].(string), nil).want(t, 200).JSON(t)
	if len(refs) != 1 || u["filename"] != "cat.png" || u["size"] != float64(len(pic)) || u["width"] != 20.0 {
		t.Fatalf("fetched reference %v %v", g, u)
	}
	waitStatus(t, a, g["id"].(string), "completed")
	a.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/image-edit", "prompt": "p", "reference_image_url": remote.URL + "/missing.png"}).
		wantError(t, 422, "invalid")
	a.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/image-edit", "prompt": "p", "reference_image_url": remote.URL + "/program"}).
		wantError(t, 415, "unsupported_media_type")
	a.do("POST", "/api/v1/generations", map[string]any{"model_id": "local/image-edit", "prompt": "p", "reference_image_url": "not a url"}).
		wantError(t, 422, "invalid")
}

// TestFALImageInput: a FAL image-input model is sent image_url: a signed
// Velro URL when VELRO_PUBLIC_URL is set (the stand-in fetches it, as FAL
// would), else the image inline as a data URI.
func TestFALImageInput(t *testing.T) {
	pic := pngOf(t, 12, 10)
	for _, public := range []bool{false, true} {
		fal := falfake.New(t, falfake.Config{Media: "video"})
		e := env{"FAL_KEY": "k", "FAL_BASE_URL": fal.URL()}
		if public {
			e["VELRO_ADDR"] = "127.0.0.1:" + strconv.Itoa(freePort(t))
			e["VELRO_PUBLIC_URL"] = "http://" + e["VELRO_ADDR"]
		}
		c := startServer(t, e).client(t)
		a := c.with(register(t, c, "ada@example.com").Access)
		ref := upload(t, a, "start.png", pic).want(t, 201).Str(t, "id")
		g := submit(t, a, map[string]any{"model_id": "fal-ai/kling-video/v2.1/master/image-to-video", "prompt": "it moves",
			"reference_upload_ids": []string{ref}})
		sent := providerInput(t, fal, "fal-ai/kling-video/v2.1/master/image-to-video", 0)
		url, _ := sent["image_url"].(string)
		if public && !strings.HasPrefix(url, e["VELRO_PUBLIC_URL"]+"/media/uploads/"+ref+"/") {
			t.Fatalf("with a public URL, image_url is %.80q", url)
		}
		if !public && !strings.HasPrefix(url, "data:image/png;base64,") {
			t.Fatalf("without a public URL, image_url is %.80q", url)
		}
		waitStatus(t, a, g["id"].(string), "completed")
		if imgs := fal.Images(); len(imgs) != 1 || !bytes.Equal(imgs[0], pic) {
			t.Fatalf("the provider read %d images, not the reference", len(imgs))
		}
	}
}
