package service_test

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"runtime"
	"testing"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
	"github.com/velro-ai/velro/bus"
	"github.com/velro-ai/velro/guard"
	"github.com/velro-ai/velro/internal/testenv"
	"github.com/velro-ai/velro/media"
	"github.com/velro-ai/velro/service"
	"github.com/velro-ai/velro/storetest"
)

// zeros reads n zero bytes without holding them.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), z.n)]
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

// TestUploadStreams: a file at the 20 MiB limit goes into storage without
// being held in memory: the whole upload allocates a small fraction of it.
func TestUploadStreams(t *testing.T) {
	raw := testenv.Store(t, testenv.SQLite(t), 0)
	b := new(bus.Local)
	engine := authz.New(authz.Config{Store: raw, Bus: b})
	store := guard.New(raw, engine, b)
	files, err := media.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	uploads := service.NewUploads(store, engine, files, 1<<30)
	u := storetest.NewUser(t, store, "big@example.com")
	var head bytes.Buffer
	if err := png.Encode(&head, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	body := io.MultiReader(bytes.NewReader(head.Bytes()), &zeros{n: velro.MaxUploadBytes - int64(head.Len())})

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	up, err := uploads.Create(t.Context(), u.ID, service.NewUpload{Filename: "big.png", Body: body})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if up.Size != velro.MaxUploadBytes || up.ContentType != "image/png" || *up.Width != 8 {
		t.Fatalf("upload %+v", up)
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("a %d MiB upload allocated %d KiB", velro.MaxUploadBytes>>20, allocated>>10)
	if allocated > velro.MaxUploadBytes/8 {
		t.Fatalf("a %d-byte upload allocated %d bytes: it was held in memory", velro.MaxUploadBytes, allocated)
	}
}
