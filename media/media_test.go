package media_test

import (
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/media"
)

func TestSignedURLs(t *testing.T) {
	s := media.NewSigner([]byte("key one"))
	now := time.Now()
	link := s.URL("generations/a/0.png", now.Add(time.Minute))
	u, err := url.Parse(link)
	if err != nil || u.Path != "/media/generations/a/0.png" {
		t.Fatalf("url %q", link)
	}
	exp, sig := u.Query().Get("expires"), u.Query().Get("sig")
	if !s.Check("generations/a/0.png", exp, sig, now) {
		t.Fatal("a fresh signature is refused")
	}
	cases := map[string]bool{
		"expired":           s.Check("generations/a/0.png", exp, sig, now.Add(2*time.Minute)),
		"other file":        s.Check("generations/b/0.png", exp, sig, now),
		"other expiry":      s.Check("generations/a/0.png", exp+"0", sig, now),
		"flipped signature": s.Check("generations/a/0.png", exp, strings.Repeat("0", len(sig)), now),
		"not hex":           s.Check("generations/a/0.png", exp, "zz", now),
		"no expiry":         s.Check("generations/a/0.png", "", sig, now),
		"another key":       media.NewSigner([]byte("key two")).Check("generations/a/0.png", exp, sig, now),
	}
	for name, ok := range cases {
		if ok {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestDir(t *testing.T) {
	d, err := media.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := d.Put(ctx, "generations/g1/0.png", strings.NewReader("png bytes"), "image/png"); err != nil {
		t.Fatal(err)
	}
	f, err := d.Open(ctx, "generations/g1/0.png")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(f)
	f.Close()
	if string(data) != "png bytes" || f.ModTime().IsZero() {
		t.Fatalf("read back %q", data)
	}
	for _, bad := range []string{"../escape.png", "/etc/passwd", "generations/../../x", "Generations/A.png", "a b", ""} {
		if err := d.Put(ctx, bad, strings.NewReader("x"), ""); err == nil {
			t.Errorf("key %q accepted", bad)
		}
	}
	if err := d.DeletePrefix(ctx, "generations/g1/"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Open(ctx, "generations/g1/0.png"); velro.ErrorCode(err) != velro.ENOTFOUND {
		t.Fatalf("deleted file: %v", err)
	}
}
