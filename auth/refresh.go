package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"

	"github.com/google/uuid"
)

// refreshCodec makes opaque refresh tokens: the session id and its rotation
// counter, authenticated with an HMAC whose key every instance shares. No
// row is written per refresh; the session row's counter says which token is
// current.
type refreshCodec struct{ key []byte }

const (
	refreshPrefix  = "v1."
	refreshPayload = 16 + 8
	refreshLen     = refreshPayload + sha256.Size
)

func (c refreshCodec) encode(sessionID uuid.UUID, counter int64) string {
	buf := make([]byte, refreshPayload, refreshLen)
	copy(buf, sessionID[:])
	binary.BigEndian.PutUint64(buf[16:], uint64(counter))
	return refreshPrefix + base64.RawURLEncoding.EncodeToString(c.sign(buf))
}

func (c refreshCodec) sign(payload []byte) []byte {
	mac := hmac.New(sha256.New, c.key)
	mac.Write([]byte("velro refresh token\x00"))
	mac.Write(payload)
	return mac.Sum(payload)
}

func (c refreshCodec) decode(token string) (sessionID uuid.UUID, counter int64, ok bool) {
	if len(token) <= len(refreshPrefix) || token[:len(refreshPrefix)] != refreshPrefix {
		return sessionID, 0, false
	}
	// Strict: a token has one spelling (no variants in the unused bits).
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token[len(refreshPrefix):])
	if err != nil || len(raw) != refreshLen {
		return sessionID, 0, false
	}
	if !hmac.Equal(c.sign(raw[:refreshPayload:refreshPayload])[refreshPayload:], raw[refreshPayload:]) {
		return sessionID, 0, false
	}
	copy(sessionID[:], raw[:16])
	return sessionID, int64(binary.BigEndian.Uint64(raw[16:refreshPayload])), true
}
