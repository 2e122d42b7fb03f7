package generate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/png"
	"math"
	"runtime"
	"time"

	"golang.org/x/sync/semaphore"
)

// Local is the built-in provider: it draws a deterministic picture from
// the prompt (and seed) — a PNG for images, an animated GIF for videos —
// or edits a reference image (local/image-edit), so Velro works end to
// end with no external service. Delay makes it take
// that long, like a real provider.
type Local struct {
	Delay time.Duration
}

// renderSlots bounds the renders that run at once in this process to one
// fewer than the Go scheduler's processors at start: rendering is pure CPU, and
// every worker rendering at once left requests waiting for a processor
// long enough to miss their database deadline (503s under a burst of
// submits). Jobs past the bound wait their turn (within their timeout).
var renderSlots = semaphore.NewWeighted(int64(max(1, runtime.GOMAXPROCS(0)-1)))

// Generate implements Provider. Its pictures are small: it encodes each
// into memory, then stores it.
func (l *Local) Generate(ctx context.Context, req Request) error {
	if l.Delay > 0 {
		t := time.NewTimer(l.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	out, err := renderInSlot(ctx, req)
	if err != nil {
		return err
	}
	return req.Put(ctx, out) // storing needs no CPU slot
}

// renderInSlot renders req once a slot is free, and frees it even if the
// render panics (the queue recovers a job's panic; a lost slot would not
// come back).
func renderInSlot(ctx context.Context, req Request) (Output, error) {
	if err := renderSlots.Acquire(ctx, 1); err != nil {
		return Output{}, context.Cause(ctx)
	}
	defer renderSlots.Release(1)
	return render(ctx, req)
}

// render draws the output of req.
func render(ctx context.Context, req Request) (Output, error) {
	if req.ModelID == "local/image-edit" {
		return edit(ctx, req)
	}
	w, h := intParam(req.Parameters, "width", 512), intParam(req.Parameters, "height", 512)
	sc := newScene(req.Prompt, req.NegativePrompt, intParam(req.Parameters, "seed", 0))
	var buf bytes.Buffer
	if req.MediaType == "video" {
		frames := intParam(req.Parameters, "frames", 12)
		anim := &gif.GIF{LoopCount: 0}
		for i := range frames {
			if ctx.Err() != nil { // cancelled, or shutting down
				return Output{}, context.Cause(ctx)
			}
			img := image.NewPaletted(image.Rect(0, 0, w, h), palette.Plan9)
			draw.Draw(img, img.Bounds(), sc.frame(w, h, float64(i)/float64(frames)), image.Point{}, draw.Src)
			anim.Image = append(anim.Image, img)
			anim.Delay = append(anim.Delay, 8)
		}
		if err := gif.EncodeAll(&buf, anim); err != nil {
			return Output{}, err
		}
		return Output{Body: &buf, ContentType: "image/gif"}, nil
	}
	if err := png.Encode(&buf, sc.frame(w, h, 0)); err != nil {
		return Output{}, err
	}
	return Output{Body: &buf, ContentType: "image/png"}, nil
}

func intParam(p map[string]any, name string, def int) int {
	if f, ok := p[name].(float64); ok {
		return int(f)
	}
	return def
}

// scene is what a prompt draws: two colours for a gradient and a few discs.
type scene struct {
	from, to color.RGBA
	discs    [4]struct {
		x, y, r float64
		c       color.RGBA
	}
}

func newScene(prompt, negative string, seed int) scene {
	h := sha256.New()
	h.Write([]byte(prompt))
	h.Write([]byte{0})
	h.Write([]byte(negative))
	binary.Write(h, binary.BigEndian, int64(seed))
	sum := h.Sum(nil)
	rgba := func(b []byte) color.RGBA { return color.RGBA{b[0], b[1], b[2], 255} }
	sc := scene{from: rgba(sum[0:]), to: rgba(sum[3:])}
	for i := range sc.discs {
		b := sum[6+i*6:]
		sc.discs[i].x, sc.discs[i].y = float64(b[0])/255, float64(b[1])/255
		sc.discs[i].r = 0.05 + float64(b[2])/255*0.2
		sc.discs[i].c = rgba(b[3:])
	}
	return sc
}

// frame draws the scene at phase t in [0, 1): the discs orbit their spot.
func (sc scene) frame(w, h int, t float64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	mix := func(a, b uint8, f float64) uint8 { return uint8(float64(a)*(1-f) + float64(b)*f) }
	for y := range h {
		f := float64(y) / float64(max(1, h-1))
		c := color.RGBA{mix(sc.from.R, sc.to.R, f), mix(sc.from.G, sc.to.G, f), mix(sc.from.B, sc.to.B, f), 255}
		for x := range w {
			img.SetRGBA(x, y, c)
		}
	}
	size := float64(min(w, h))
	for i, d := range sc.discs {
		angle := 2*math.Pi*t + float64(i)
		cx := d.x*float64(w) + math.Cos(angle)*size*0.1
		cy := d.y*float64(h) + math.Sin(angle)*size*0.1
		r := d.r * size
		for y := max(0, int(cy-r)); y < min(h, int(cy+r)+1); y++ {
			for x := max(0, int(cx-r)); x < min(w, int(cx+r)+1); x++ {
				if dx, dy := float64(x)-cx, float64(y)-cy; dx*dx+dy*dy <= r*r {
					img.SetRGBA(x, y, d.c)
				}
			}
		}
	}
	return img
}
