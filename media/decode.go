package media

import (
	"context"
	"image"
	"image/color"
	"io"

	"golang.org/x/sync/semaphore"

	"github.com/velro-ai/velro"
)

// MaxDecodedBytes bounds the memory one decoded image may take: width x
// height x bytes per pixel, read from the header before decoding. A 372
// KiB PNG of 7000x7000 16-bit RGBA passed the pixel bound and decoded to
// 392 MB; it is refused now. 100 MiB holds a 48-megapixel photo.
const MaxDecodedBytes = 100 << 20

// decodeBudget bounds the decoded bytes all the decodes of this process
// hold at once: large decodes take turns (each holds its share until its
// caller is done with the image), so four workers editing large images
// at once need no more than this.
var decodeBudget = semaphore.NewWeighted(2 * MaxDecodedBytes)

// DecodedBytes is how many bytes decoding an image with this header takes
// (the worst case of its colour model).
func DecodedBytes(cfg image.Config) int64 {
	return int64(cfg.Width) * int64(cfg.Height) * bytesPerPixel(cfg.ColorModel)
}

func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3 // 4:4:4, the densest subsampling
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel, color.NYCbCrAModel:
		return 4
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8 // 16 bits a channel, or a model not listed: the most any decoder takes
}

// DecodeImage decodes an image from a file that can be read twice (its
// header, then the whole): EMEDIATYPE if it is not a readable image or is
// larger than MaxPixels, ETOOLARGE if it would decode to more than
// MaxDecodedBytes. It waits for its share of the process's decode budget
// (or ctx); the caller calls done once it no longer holds the image.
func DecodeImage(ctx context.Context, f io.ReadSeeker) (img image.Image, done func(), err error) {
	cfg, _, err := image.DecodeConfig(f)
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxPixels {
		return nil, nil, errNotImage
	}
	size := DecodedBytes(cfg)
	if size > MaxDecodedBytes {
		return nil, nil, velro.Errorf(velro.ETOOLARGE, "The image is too large to decode: %dx%d pixels would take %d MiB, over %d MiB.",
			cfg.Width, cfg.Height, size>>20, MaxDecodedBytes>>20)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, nil, err
	}
	if err := decodeBudget.Acquire(ctx, size); err != nil {
		return nil, nil, err
	}
	done = func() { decodeBudget.Release(size) }
	if img, _, err = image.Decode(f); err != nil {
		done()
		return nil, nil, errNotImage
	}
	return img, done, nil
}
