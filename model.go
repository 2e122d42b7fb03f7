package velro

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Model is a generation model of the catalog.
type Model struct {
	ID            string               `json:"id"`
	Name          string               `json:"name"`
	Type          MediaType            `json:"type" enum:"image,video"`
	CreditsCost   int64                `json:"credits_cost" doc:"The price with default parameters (pricing says how parameters change it)"`
	Provider      string               `json:"provider" enum:"fal,local"`
	Description   string               `json:"description"`
	Parameters    map[string]ParamSpec `json:"parameters"`
	MaxResolution string               `json:"max_resolution"`
	IsActive      bool                 `json:"is_active"`
	// Inputs are what the model takes: text, and for image-input models a
	// reference image too (required).
	Inputs  []Input `json:"inputs" enum:"text,image"`
	Pricing Pricing `json:"pricing"`
}

// Input is a kind of input a model takes.
type Input string

// Inputs of models.
const (
	InputText  Input = "text"
	InputImage Input = "image"
)

var (
	textOnly     = []Input{InputText}
	textAndImage = []Input{InputText, InputImage}
)

// TakesImage reports whether the model needs a reference image.
func (m Model) TakesImage() bool { return slices.Contains(m.Inputs, InputImage) }

// ParamSpec describes one model parameter: its type, default, and range
// (numbers) or allowed values (enums).
type ParamSpec struct {
	Type        string   `json:"type" enum:"integer,number,boolean,string"`
	Default     any      `json:"default,omitempty"`
	Minimum     *float64 `json:"minimum,omitempty"`
	Maximum     *float64 `json:"maximum,omitempty"`
	Enum        []string `json:"enum,omitempty"`
	Description string   `json:"description,omitempty"`
}

// Providers.
const (
	ProviderFAL   = "fal"
	ProviderLocal = "local"
)

func num(v float64) *float64 { return &v }

func intParam(def, lo, hi float64, doc string) ParamSpec {
	return ParamSpec{Type: "integer", Default: def, Minimum: num(lo), Maximum: num(hi), Description: doc}
}

func floatParam(def, lo, hi float64, doc string) ParamSpec {
	return ParamSpec{Type: "number", Default: def, Minimum: num(lo), Maximum: num(hi), Description: doc}
}

func enumParam(def string, values ...string) ParamSpec {
	return ParamSpec{Type: "string", Default: def, Enum: values}
}

func boolParam(def bool, doc string) ParamSpec {
	return ParamSpec{Type: "boolean", Default: def, Description: doc}
}

var seed = ParamSpec{Type: "integer", Minimum: num(0), Maximum: num(math.MaxInt32), Description: "Random seed; omit for a random one"}

// catalog is the model catalog (GET /api/v1/models), in display order.
var catalog = []Model{
	{ID: "fal-ai/flux-pro/v1.1-ultra", Name: "FLUX1.1 [pro] ultra", Type: "image", Provider: ProviderFAL, Inputs: textOnly, Pricing: Pricing{PerImage, 50},
		Description: "High-resolution photorealistic images", MaxResolution: "2752x1536", Parameters: map[string]ParamSpec{
			"aspect_ratio":     enumParam("16:9", "21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21"),
			"num_images":       intParam(1, 1, 4, "Number of images"),
			"output_format":    enumParam("jpeg", "jpeg", "png"),
			"safety_tolerance": intParam(2, 1, 6, "1 is the strictest"),
			"raw":              boolParam(false, "Less processed, more natural look"),
			"seed":             seed,
		}},
	{ID: "fal-ai/flux-pro/kontext/max", Name: "FLUX.1 Kontext [max]", Type: "image", Provider: ProviderFAL, Inputs: textAndImage, Pricing: Pricing{PerImage, 60},
		Description: "Image generation with strong prompt adherence and typography", MaxResolution: "1440x1440", Parameters: map[string]ParamSpec{
			"aspect_ratio":   enumParam("1:1", "21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21"),
			"num_images":     intParam(1, 1, 4, "Number of images"),
			"guidance_scale": floatParam(3.5, 1, 20, "How closely to follow the prompt"),
			"output_format":  enumParam("jpeg", "jpeg", "png"),
			"seed":           seed,
		}},
	{ID: "fal-ai/imagen4/preview/ultra", Name: "Imagen 4 Ultra", Type: "image", Provider: ProviderFAL, Inputs: textOnly, Pricing: Pricing{PerImage, 45},
		Description: "Google's Imagen 4, highest quality", MaxResolution: "2048x2048", Parameters: map[string]ParamSpec{
			"aspect_ratio": enumParam("1:1", "1:1", "16:9", "9:16", "3:4", "4:3"),
			"num_images":   intParam(1, 1, 4, "Number of images"),
			"seed":         seed,
		}},
	{ID: "fal-ai/veo3", Name: "Veo 3", Type: "video", Provider: ProviderFAL, Inputs: textOnly, Pricing: Pricing{PerGeneration, 500},
		Description: "Google's Veo 3 text-to-video with audio", MaxResolution: "1920x1080", Parameters: map[string]ParamSpec{
			"aspect_ratio":   enumParam("16:9", "16:9", "9:16", "1:1"),
			"duration":       enumParam("8s", "8s"),
			"generate_audio": boolParam(true, "Generate an audio track"),
			"seed":           seed,
		}},
	{ID: "fal-ai/minimax/hailuo-02/pro/text-to-video", Name: "MiniMax Hailuo-02 Pro", Type: "video", Provider: ProviderFAL, Inputs: textOnly, Pricing: Pricing{PerGeneration, 400},
		Description: "1080p text-to-video", MaxResolution: "1920x1080", Parameters: map[string]ParamSpec{
			"prompt_optimizer": boolParam(true, "Let the model rewrite the prompt"),
		}},
	{ID: "fal-ai/kling-video/v2.1/master/text-to-video", Name: "Kling 2.1 Master", Type: "video", Provider: ProviderFAL, Inputs: textOnly, Pricing: Pricing{PerSecond, 70},
		Description: "Cinematic text-to-video", MaxResolution: "1920x1080", Parameters: map[string]ParamSpec{
			"duration":     enumParam("5", "5", "10"),
			"aspect_ratio": enumParam("16:9", "16:9", "9:16", "1:1"),
			"cfg_scale":    floatParam(0.5, 0, 1, "How closely to follow the prompt"),
		}},
	{ID: "fal-ai/kling-video/v2.1/master/image-to-video", Name: "Kling 2.1 Master (image to video)", Type: "video", Provider: ProviderFAL, Inputs: textAndImage, Pricing: Pricing{PerSecond, 70},
		Description: "Cinematic video that starts from a reference image", MaxResolution: "1920x1080", Parameters: map[string]ParamSpec{
			"duration":  enumParam("5", "5", "10"),
			"cfg_scale": floatParam(0.5, 0, 1, "How closely to follow the prompt"),
		}},
	{ID: "fal-ai/wan-pro/text-to-video", Name: "Wan 2.1 Pro", Type: "video", Provider: ProviderFAL, Inputs: textOnly, Pricing: Pricing{PerGeneration, 300},
		Description: "Open-weights text-to-video at 1080p", MaxResolution: "1920x1080", Parameters: map[string]ParamSpec{
			"enable_safety_checker": boolParam(true, "Filter unsafe output"),
			"seed":                  seed,
		}},
	{ID: "local/image", Name: "Velro local image", Type: "image", Provider: ProviderLocal, Inputs: textOnly, Pricing: Pricing{PerGeneration, 5},
		Description: "Built-in renderer: a deterministic PNG drawn from the prompt", MaxResolution: "1024x1024", Parameters: map[string]ParamSpec{
			"width":  intParam(512, 64, 1024, "Width in pixels"),
			"height": intParam(512, 64, 1024, "Height in pixels"),
			"seed":   seed,
		}},
	{ID: "local/image-edit", Name: "Velro local image edit", Type: "image", Provider: ProviderLocal, Inputs: textAndImage, Pricing: Pricing{PerGeneration, 5},
		Description: "Built-in renderer: a deterministic edit of the reference image (posterized, tinted from the prompt, optionally mirrored) as a PNG", MaxResolution: "1024x1024", Parameters: map[string]ParamSpec{
			"levels": intParam(4, 2, 16, "Colour levels per channel"),
			"mirror": boolParam(true, "Mirror the image left to right"),
		}},
	{ID: "local/video", Name: "Velro local video", Type: "video", Provider: ProviderLocal, Inputs: textOnly, Pricing: Pricing{PerGeneration, 20},
		Description: "Built-in renderer: a deterministic animated GIF drawn from the prompt", MaxResolution: "512x512", Parameters: map[string]ParamSpec{
			"width":  intParam(256, 64, 512, "Width in pixels"),
			"height": intParam(256, 64, 512, "Height in pixels"),
			"frames": intParam(12, 2, 48, "Number of frames"),
			"seed":   seed,
		}},
}

// The catalog's credits_cost is the price with default parameters.
func init() {
	for i := range catalog {
		q, err := catalog[i].Quote(nil)
		if err != nil {
			panic(fmt.Sprintf("model %s cannot price its defaults: %v", catalog[i].ID, err))
		}
		catalog[i].CreditsCost = q.Cost
	}
}

// Catalog returns the model catalog, in display order. The models are
// copies; their Parameters maps are shared: read them, do not change them.
func Catalog() []Model { return slices.Clone(catalog) }

// FindModel returns the catalog entry of id.
func FindModel(id string) (Model, bool) {
	i := slices.IndexFunc(catalog, func(m Model) bool { return m.ID == id })
	if i < 0 {
		return Model{}, false
	}
	return catalog[i], true
}

// coerce validates params for the model and returns them normalised:
// missing parameters take their default and unknown ones are dropped (never
// sent to the provider). A value the schema does not accept (wrong type,
// out of range, fractional where an integer goes, outside an enum) is
// EINVALID naming each such field and what it accepts: never clamped, so
// what is charged and sent is what the caller asked for.
func (m Model) coerce(params map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(m.Parameters))
	var bad []FieldError
	for _, name := range slices.Sorted(maps.Keys(m.Parameters)) {
		spec := m.Parameters[name]
		v, given := params[name]
		if !given || v == nil {
			if spec.Default != nil {
				out[name] = spec.Default
			}
			continue
		}
		if !spec.accepts(v) {
			bad = append(bad, FieldError{Field: "parameters." + name, Message: spec.wants()})
			continue
		}
		out[name] = v
	}
	if len(bad) > 0 {
		msgs := make([]string, len(bad))
		for i, f := range bad {
			msgs[i] = f.Field + ": " + f.Message
		}
		return nil, &Error{Code: EINVALID, Message: strings.Join(msgs, "; "), Fields: bad}
	}
	return out, nil
}

// accepts reports whether v, as decoded from JSON, obeys the spec.
func (p ParamSpec) accepts(v any) bool {
	switch p.Type {
	case "integer", "number":
		f, ok := v.(float64)
		return ok && (p.Type == "number" || f == math.Trunc(f)) &&
			(p.Minimum == nil || f >= *p.Minimum) && (p.Maximum == nil || f <= *p.Maximum) &&
			!math.IsNaN(f) && !math.IsInf(f, 0)
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "string":
		s, ok := v.(string)
		return ok && (len(p.Enum) == 0 || slices.Contains(p.Enum, s))
	}
	return false
}

// wants says what the spec accepts, for the 422 of a value it does not.
func (p ParamSpec) wants() string {
	switch p.Type {
	case "integer", "number":
		kind := "a number"
		if p.Type == "integer" {
			kind = "a whole number"
		}
		switch {
		case p.Minimum != nil && p.Maximum != nil:
			return fmt.Sprintf("must be %s from %s to %s", kind, formatNum(*p.Minimum), formatNum(*p.Maximum))
		case p.Minimum != nil:
			return fmt.Sprintf("must be %s of at least %s", kind, formatNum(*p.Minimum))
		case p.Maximum != nil:
			return fmt.Sprintf("must be %s of at most %s", kind, formatNum(*p.Maximum))
		}
		return "must be " + kind
	case "boolean":
		return "must be true or false"
	case "string":
		if len(p.Enum) > 0 {
			quoted := make([]string, len(p.Enum))
			for i, e := range p.Enum {
				quoted[i] = strconv.Quote(e)
			}
			return "must be one of " + strings.Join(quoted, ", ")
		}
		return "must be a string"
	}
	return "is not accepted"
}

func formatNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
