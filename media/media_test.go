package media_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/media"
	"github.com/velro-ai/velro/media/mediatest"
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
	mediatest.Run(t, func(t *testing.T) velro.MediaStore {
		d, err := media.NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return d
	}, mediatest.Config{Large: 12 << 20})
}
