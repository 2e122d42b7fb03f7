package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/media"
)

// withS3 adds a fresh in-process S3 store to e.
func withS3(t *testing.T, e env) (env, string) {
	u := testenv.FakeS3(t)
	e["VELRO_MEDIA_URL"] = u
	for k, v := range testenv.S3Env {
		e[k] = v
	}
	return e, u
}

// openS3Store opens the store at u as a server would.
func openS3Store(t *testing.T, e env, u string) velro.MediaStore {
	cfg, err := media.ParseS3URL(u, e.getenv)
	if err != nil {
		t.Fatal(err)
	}
	s, err := media.OpenS3(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fetch GETs a URL, with a Range header when rng is not empty.
func fetch(t *testing.T, url, rng string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// generateImage makes one image with the built-in renderer and returns the
// generation's id and the signed URL of its output.
func generateImage(t *testing.T, c *client) (id, signedURL string) {
	t.Helper()
	id = submit(t, c, map[string]any{"model_id": "local/image", "prompt": "a lighthouse"})["id"].(string)
	waitStatus(t, c, id, "completed")
	return id, c.do("GET", "/api/v1/generations/"+id+"/media-urls", nil).want(t, 200).JSON(t)["primary_url"].(string)
}

// TestMediaOnS3AcrossInstances: two instances share PostgreSQL and an S3
// store. What one instance's worker made, the other serves (ranges too)
// through the same signed URL; deleting on either removes the object.
func TestMediaOnS3AcrossInstances(t *testing.T) {
	e, u := withS3(t, env{"DATABASE_URL": testenv.PostgresURL(t)})
	a, b := startServer(t, e), startServer(t, e)
	ada := register(t, a.client(t), "ada@example.com")
	ca, cb := a.client(t).with(ada.Access), b.client(t).with(ada.Access)

	id, urlA := generateImage(t, ca)
	urlB := b.URL + strings.TrimPrefix(urlA, a.URL)
	status, png := fetch(t, urlB, "")
	if status != 200 || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("instance B serving A's output: %d %q", status, png[:min(8, len(png))])
	}
	if status, part := fetch(t, urlB, "bytes=1-3"); status != 206 || string(part) != "PNG" {
		t.Fatalf("range from B: %d %q", status, part)
	}
	// The output lives in the bucket, under the key the generation names.
	store := openS3Store(t, e, u)
	key := ca.do("GET", "/api/v1/generations/"+id, nil).want(t, 200).JSON(t)["output_urls"].([]any)[0].(string)
	f, err := store.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("the output is not in S3: %v", err)
	}
	stored, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(stored, png) {
		t.Fatal("S3 holds other bytes than served")
	}
	// Neither data dir holds media.
	for _, s := range []*testServer{a, b} {
		if entries, _ := os.ReadDir(filepath.Join(s.DataDir, "media")); len(entries) != 0 {
			t.Fatalf("media written to the data dir %s: %v", s.DataDir, entries)
		}
	}

	cb.do("DELETE", "/api/v1/generations/"+id, nil).want(t, 200)
	if status, _ := fetch(t, urlA, ""); status != 410 {
		t.Fatalf("media of a generation deleted on B, fetched from A: %d", status)
	}
	if _, err := store.Open(t.Context(), key); velro.ErrorCode(err) != velro.ENOTFOUND {
		t.Fatalf("the object outlived its generation: %v", err)
	}
}

// TestMediaMigrate: a data dir's media, copied by "velro media migrate",
// is served by a server started on S3 through the URLs signed before.
func TestMediaMigrate(t *testing.T) {
	e, u := withS3(t, env{})
	dataDir := t.TempDir()
	local := startServer(t, env{"VELRO_DATA_DIR": dataDir})
	c := local.client(t)
	ada := register(t, c, "ada@example.com")
	ca := c.with(ada.Access)
	_, signed := generateImage(t, ca)
	_, original := fetch(t, signed, "")
	local.Stop(t)
	stray := filepath.Join(dataDir, "media", "Notes.TXT")
	if err := os.WriteFile(stray, []byte("not media"), 0o600); err != nil {
		t.Fatal(err)
	}

	migrate := func() (string, error) {
		var out bytes.Buffer
		err := run(t.Context(), []string{"velro", "media", "migrate", "--to", u, "--data-dir", dataDir}, e.getenv, &out, io.Discard)
		return out.String(), err
	}
	out, err := migrate()
	if err == nil || !strings.Contains(err.Error(), "Notes.TXT is no media file") || !strings.Contains(out, "copied 1 media files") {
		t.Fatalf("first migration: %q, %v", out, err)
	}
	os.Remove(stray)
	if out, err := migrate(); err != nil || !strings.Contains(out, "copied 0 media files (0 bytes)") || !strings.Contains(out, "1 were there already") {
		t.Fatalf("second migration: %q, %v", out, err)
	}

	// The local copies go; the server on S3 serves the old signed URL.
	if err := os.RemoveAll(filepath.Join(dataDir, "media")); err != nil {
		t.Fatal(err)
	}
	e["VELRO_DATA_DIR"] = dataDir
	onS3 := startServer(t, e)
	status, got := fetch(t, onS3.URL+strings.TrimPrefix(signed, local.URL), "")
	if status != 200 || !bytes.Equal(got, original) {
		t.Fatalf("migrated media: %d, %d bytes (want %d)", status, len(got), len(original))
	}
}
