package media_test

import (
	"encoding/hex"
	"math"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/velro-ai/velro/media"
)

// FuzzSignedURL: a URL the signer makes parses back to a key, expiry and
// signature that check; no other key, expiry or signature the fuzzer finds
// checks under it, and odd input never panics.
func FuzzSignedURL(f *testing.F) {
	f.Add("generations/01a22c75-ffe4-7263-bfab-d4249cc2c269/0.png", int64(1796045860), "generations/x/0.png", "1796045860", "00")
	f.Add("uploads/a.b/c-d.mp4", int64(0), "uploads/a.b/c-d.mp4", "+0", "")
	f.Add("a", int64(math.MaxInt64), "a", "9223372036854775807", "ZZ")
	f.Add("a/../b", int64(-1), "a/b", "-1", strings.Repeat("f", 64))
	s := media.NewSigner([]byte("fuzz key"))
	f.Fuzz(func(t *testing.T, key string, exp int64, otherKey, otherExpires, otherSig string) {
		if key == "" || strings.Trim(key, "abcdefghijklmnopqrstuvwxyz0123456789-./") != "" || exp == math.MinInt64 {
			key, exp = "generations/fuzz/0.png", 1796045860 // Velro signs only keys it builds
		}
		link := s.URL(key, time.Unix(exp, 0))
		u, err := url.Parse(link)
		if err != nil {
			t.Fatalf("%q does not parse: %v", link, err)
		}
		q := u.Query()
		gotKey, gotExp, gotSig := strings.TrimPrefix(u.Path, "/media/"), q.Get("expires"), q.Get("sig")
		before, after := time.Unix(exp-1, 0), time.Unix(exp, 0).Add(time.Second)
		if gotKey != key || !s.Check(gotKey, gotExp, gotSig, before) || exp < math.MaxInt64 && s.Check(gotKey, gotExp, gotSig, after) {
			t.Fatalf("%q: key %q, expires %q: checks before expiry %v, after %v", link, gotKey, gotExp,
				s.Check(gotKey, gotExp, gotSig, before), s.Check(gotKey, gotExp, gotSig, after))
		}
		if s.Check(otherKey, otherExpires, otherSig, before) {
			n, _ := strconv.ParseInt(otherExpires, 10, 64)
			sig, _ := hex.DecodeString(otherSig)
			if otherKey != key || n != exp || hex.EncodeToString(sig) != gotSig {
				t.Fatalf("forged: key %q expires %q sig %q checks (the real URL is %q)", otherKey, otherExpires, otherSig, link)
			}
		}
	})
}
