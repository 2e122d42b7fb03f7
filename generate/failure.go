package generate

import (
	"errors"
	"fmt"
)

// Reasons a failed generation gives its user: error_message is
// "Generation failed: " and one of these. What a provider or a file server
// answered, URLs, hosts, ports and network errors describe Velro's own
// network as much as the provider, so they go to the log only.
const (
	reasonProvider    = "the provider reported an error"
	reasonUnreachable = "could not reach the provider"
	reasonTimeout     = "the provider did not finish in time"
	reasonFetch       = "could not fetch an output"
	reasonStore       = "could not store an output"
	reasonNoOutput    = "the provider returned no output"
	reasonUnavailable = "the model is not available"
	reasonReference   = "a reference image is no longer available"
	reasonInternal    = "an internal error occurred"
)

// errTooManyOutputs fails a generation with more than MaxOutputs outputs.
var errTooManyOutputs = Permanent(failed(fmt.Sprintf("the provider returned more than %d outputs", MaxOutputs),
	fmt.Errorf("more than %d outputs", MaxOutputs)))

// failure is an error and the reason to show the user for it.
type failure struct {
	reason string
	err    error
}

// failed attaches reason to err. The outermost reason is the one shown.
func failed(reason string, err error) error { return &failure{reason: reason, err: err} }

func (f *failure) Error() string { return f.reason + ": " + f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// userMessage is the error_message of a generation that failed with err.
func userMessage(err error) string {
	reason := reasonInternal
	if f, ok := errors.AsType[*failure](err); ok {
		reason = f.reason
	}
	return "Generation failed: " + reason
}
