package authz

import (
	"testing"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/cache"
)

// FuzzKeysNeverCollide: two different (user, kind, id) never share an L1
// entry or a singleflight name.
func FuzzKeysNeverCollide(f *testing.F) {
	f.Add(make([]byte, 16), uint8(1), make([]byte, 16), make([]byte, 16), uint8(2), make([]byte, 16))
	f.Add([]byte("aaaaaaaaaaaaaaaa"), uint8(1), []byte("bbbbbbbbbbbbbbbb"), []byte("aaaaaaaaaaaaaaab"), uint8(1), []byte("bbbbbbbbbbbbbbbb"))
	f.Fuzz(func(t *testing.T, u1 []byte, k1 uint8, i1 []byte, u2 []byte, k2 uint8, i2 []byte) {
		a, b := key(u1, k1, i1), key(u2, k2, i2)
		l1 := cache.NewLocal[Key, Entry](16, time.Minute)
		ea, eb := Entry{Access: velro.Access{Role: velro.RoleViewer}}, Entry{Access: velro.Access{Role: velro.RoleOwner}}
		l1.StoreIfCurrent(a, ea, l1.Epoch())
		l1.StoreIfCurrent(b, eb, l1.Epoch())
		got, _ := l1.Get(a)
		if a != b && got != ea {
			t.Fatalf("%v and %v share an L1 entry", a, b)
		}
		if (flightKey(a, 7) == flightKey(b, 7)) != (a == b) || flightKey(a, 7) == flightKey(a, 8) {
			t.Fatalf("%v and %v: singleflight names collide", a, b)
		}
	})
}

func key(user []byte, kind uint8, id []byte) Key {
	var k Key
	copy(k.User[:], user)
	copy(k.ID[:], id)
	k.Kind = velro.Kind(kind)
	return k
}
