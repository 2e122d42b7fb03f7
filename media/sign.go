package media

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Signer signs and checks media URLs: an HMAC over the key and the expiry,
// with a key every instance shares, so a URL works without a bearer token
// until it expires and cannot be altered or moved to another file.
type Signer struct{ key []byte }

// NewSigner signs with key.
func NewSigner(key []byte) *Signer { return &Signer{key: key} }

func (s *Signer) mac(key string, expires int64) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("velro media\x00"))
	m.Write([]byte(key))
	m.Write([]byte{0})
	m.Write([]byte(strconv.FormatInt(expires, 10)))
	return m.Sum(nil)
}

// URL returns the signed path of key: /media/<key>?expires=<unix>&sig=<hex>.
func (s *Signer) URL(key string, expires time.Time) string {
	exp := expires.Unix()
	return "/media/" + key + "?expires=" + strconv.FormatInt(exp, 10) + "&sig=" + hex.EncodeToString(s.mac(key, exp))
}

// Check reports whether sig signs key until expires and expires is not
// past.
func (s *Signer) Check(key, expires, sig string, now time.Time) bool {
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || now.Unix() > exp {
		return false
	}
	got, err := hex.DecodeString(sig)
	return err == nil && hmac.Equal(got, s.mac(key, exp))
}
