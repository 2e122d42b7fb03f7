package generate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"image"
	"image/color"
	"image/png"

	"golang.org/x/image/draw"

	"github.com/velro-ai/velro/media"
)

// editMaxSide bounds the longer side of an edited image (local/image-edit's
// max_resolution).
const editMaxSide = 1024

// edit is local/image-edit: a visible, deterministic transform of the
// reference image (scaled to fit 1024x1024, posterized to the given
// levels, tinted with a colour drawn from the prompt, mirrored unless told
// not to), so image-to-image works with no provider.
func edit(ctx context.Context, req Request) (Output, error) {
	if len(req.References) == 0 {
		return Output{}, Permanent(failed(reasonReference, errors.New("image edit without a reference image")))
	}
	f, err := req.References[0].Open(ctx)
	if err != nil {
		return Output{}, failed(reasonReference, err)
	}
	src, done, err := media.DecodeImage(ctx, f)
	f.Close()
	if err != nil && ctx.Err() != nil {
		return Output{}, ctx.Err() // waited for the decode budget until told to stop
	} else if err != nil {
		return Output{}, Permanent(failed(reasonReference, err))
	}
	out := fit(src, editMaxSide)
	done() // only the fitted copy, at most 1024x1024, is held from here
	levels := intParam(req.Parameters, "levels", 4)
	mirror, _ := req.Parameters["mirror"].(bool)
	tint := promptColor(req.Prompt, req.NegativePrompt)
	b := out.Bounds()
	edited := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := out.RGBAAt(x, y)
			dx := x
			if mirror {
				dx = b.Max.X - 1 - (x - b.Min.X)
			}
			edited.SetRGBA(dx, y, color.RGBA{posterize(mix(c.R, tint.R), levels), posterize(mix(c.G, tint.G), levels),
				posterize(mix(c.B, tint.B), levels), c.A})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, edited); err != nil {
		return Output{}, err
	}
	return Output{Body: &buf, ContentType: "image/png"}, nil
}

// fit draws src into an RGBA image whose longer side is at most side.
func fit(src image.Image, side int) *image.RGBA {
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	if longer := max(w, h); longer > side {
		w, h = max(1, w*side/longer), max(1, h*side/longer)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return dst
}

// promptColor is the tint a prompt draws.
func promptColor(prompt, negative string) color.RGBA {
	sum := sha256.Sum256([]byte(prompt + "\x00" + negative))
	return color.RGBA{sum[0], sum[1], sum[2], 255}
}

// mix moves a channel a third of the way toward the tint's.
func mix(v, tint uint8) uint8 { return uint8((2*int(v) + int(tint)) / 3) }

// posterize rounds a channel to one of levels evenly spaced values.
func posterize(v uint8, levels int) uint8 {
	step := 255 / float64(levels-1)
	return uint8(float64(int(float64(v)/step+0.5)) * step)
}
