package media_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/media"
)

// pngHeader is the start of a PNG of w x h pixels with the bit depth and
// colour type given: enough for a decoder to learn its size, nothing more.
func pngHeader(w, h uint32, depth, colorType byte) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, depth, colorType, 0, 0, 0)
	chunk := append([]byte("IHDR"), ihdr...)
	out := append([]byte("\x89PNG\r\n\x1a\n"), binary.BigEndian.AppendUint32(nil, uint32(len(ihdr)))...)
	out = append(out, chunk...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(chunk))
}

// readCounter is a ReadSeeker that counts the bytes read from it.
type readCounter struct {
	*bytes.Reader
	n int
}

func (r *readCounter) Read(p []byte) (int, error) {
	n, err := r.Reader.Read(p)
	r.n += n
	return n, err
}

// TestDecodedBytes: what decoding an image takes, from its header, against
// a written table.
func TestDecodedBytes(t *testing.T) {
	for _, c := range []struct {
		model color.Model
		want  int64
	}{
		{color.GrayModel, 100}, {color.AlphaModel, 100}, {color.Palette{color.Black}, 100},
		{color.Gray16Model, 200}, {color.YCbCrModel, 300}, {color.RGBAModel, 400}, {color.NRGBAModel, 400},
		{color.CMYKModel, 400}, {color.RGBA64Model, 800}, {color.NRGBA64Model, 800},
	} {
		if got := media.DecodedBytes(image.Config{ColorModel: c.model, Width: 10, Height: 10}); got != c.want {
			t.Errorf("%T: %d bytes for 10x10, want %d", c.model, got, c.want)
		}
	}
}

// TestDecodeBombRefused: a 7000x7000 RGBA PNG of 16 bits a channel (372
// KiB compressed) passes the pixel bound but would decode to 392 MB; it is
// refused from its header, reading nothing more, however many arrive at
// once. One of the same size in 8-bit grey (49 MB) would be decoded.
func TestDecodeBombRefused(t *testing.T) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			r := &readCounter{Reader: bytes.NewReader(append(pngHeader(7000, 7000, 16, 6), make([]byte, 1<<16)...))}
			_, _, err := media.DecodeImage(t.Context(), r)
			if velro.ErrorCode(err) != velro.ETOOLARGE {
				t.Errorf("a 7000x7000 RGBA64 PNG: %v, want %s", err, velro.ETOOLARGE)
			}
			if r.n > 8<<10 {
				t.Errorf("read %d bytes of a refused image", r.n)
			}
		})
	}
	wg.Wait()
	grey := &readCounter{Reader: bytes.NewReader(pngHeader(7000, 7000, 8, 0))}
	if _, _, err := media.DecodeImage(t.Context(), grey); velro.ErrorCode(err) != velro.EMEDIATYPE {
		t.Fatalf("a grey header without data: %v, want it decoded and found unreadable (%s)", err, velro.EMEDIATYPE)
	}
}

// TestLargeDecodesTakeTurns: decodes hold their decoded size from the
// process's budget until their caller is done, so eight at once with room
// for two never hold more than two and each still completes; with two
// held, a third waits, and gives up when its context ends.
func TestLargeDecodesTakeTurns(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 600, 600)) // 1.44 MB decoded
	var file bytes.Buffer
	if err := png.Encode(&file, img); err != nil {
		t.Fatal(err)
	}
	size := media.DecodedBytes(image.Config{ColorModel: color.NRGBAModel, Width: 600, Height: 600})
	defer media.SetDecodeBudget(2 * size)()

	var held, most atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			got, done, err := media.DecodeImage(t.Context(), bytes.NewReader(file.Bytes()))
			if err != nil {
				t.Error(err)
				return
			}
			n := held.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(20 * time.Millisecond) // the caller works with the image
			if got.Bounds().Dx() != 600 {
				t.Errorf("decoded %v", got.Bounds())
			}
			held.Add(-1)
			done()
		})
	}
	wg.Wait()
	if most.Load() > 2 {
		t.Fatalf("%d decoded images held at once, over the budget's room for 2", most.Load())
	}

	// With the budget taken, a decode waits, and gives up with its context.
	_, done1, err := media.DecodeImage(t.Context(), bytes.NewReader(file.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	_, done2, err := media.DecodeImage(t.Context(), bytes.NewReader(file.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := media.DecodeImage(ctx, bytes.NewReader(file.Bytes())); err == nil {
		t.Fatal("a decode past the budget did not wait")
	}
	done1()
	done2()
}
