package velro

import (
	"fmt"
	"strconv"
	"strings"
)

// PricingUnit is what a model charges for.
type PricingUnit string

// Pricing units: per image (models that take num_images), per second
// (video models whose duration can take several values), or per
// generation (everything else, a fixed duration included).
const (
	PerImage      PricingUnit = "image"
	PerSecond     PricingUnit = "second"
	PerGeneration PricingUnit = "generation"
)

// Pricing says how a model's parameters set its price.
type Pricing struct {
	Unit           PricingUnit `json:"unit" enum:"image,second,generation"`
	CreditsPerUnit int64       `json:"credits_per_unit"`
}

// The parameters prices depend on: the names FAL's models take, so the
// priced value is the value sent.
const (
	paramNumImages = "num_images"
	paramDuration  = "duration"
)

// Quote is the price of one generation: the normalised parameters (what
// the provider is sent) and the credits they cost.
type Quote struct {
	Parameters map[string]any
	Cost       int64
}

// Quote normalises params for the model (coerce) and prices what
// comes out: the one price function that quotes, submits and tests use.
func (m Model) Quote(params map[string]any) (Quote, error) {
	normal, err := m.coerce(params)
	if err != nil {
		return Quote{}, err
	}
	units, err := m.Pricing.units(normal)
	if err != nil {
		return Quote{}, err
	}
	return Quote{Parameters: normal, Cost: m.Pricing.CreditsPerUnit * units}, nil
}

// units is how many units the normalised parameters buy.
func (p Pricing) units(normal map[string]any) (int64, error) {
	switch p.Unit {
	case PerImage:
		n, ok := normal[paramNumImages].(float64)
		if !ok {
			return 0, fmt.Errorf("velro: a per-image model without %s", paramNumImages)
		}
		return int64(n), nil
	case PerSecond:
		d, ok := normal[paramDuration].(string)
		if !ok {
			return 0, fmt.Errorf("velro: a per-second model without %s", paramDuration)
		}
		return durationSeconds(d)
	case PerGeneration:
		return 1, nil
	}
	return 0, fmt.Errorf("velro: unknown pricing unit %q", p.Unit)
}

// durationSeconds reads a duration enum value as providers spell it: "5"
// or "8s".
func durationSeconds(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSuffix(s, "s"), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("velro: duration %q is not a number of seconds", s)
	}
	return n, nil
}
