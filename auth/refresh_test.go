package auth

import (
	"testing"

	"github.com/google/uuid"
)

// FuzzRefreshToken: arbitrary refresh tokens never panic the decoder, and
// the only token it accepts is one the codec made, byte for byte.
func FuzzRefreshToken(f *testing.F) {
	c := refreshCodec{key: []byte("fuzz refresh key")}
	valid := c.encode(uuid.MustParse("01a22c75-ffe4-7263-bfab-d4249cc2c269"), 7)
	for _, seed := range []string{valid, valid[:len(valid)-1], valid + "A", "v1.", "v1", "", "v2." + valid[3:], "v1.////"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		session, counter, ok := c.decode(token)
		if ok && c.encode(session, counter) != token {
			t.Fatalf("accepted %q, which decodes to session %s counter %d, encoded %q", token, session, counter, c.encode(session, counter))
		}
	})
}
