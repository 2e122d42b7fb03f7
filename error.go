package velro

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. They are the machine-readable `error` field of every error
// response; the HTTP layer maps each to one status code.
const (
	EINVALID      = "invalid"                   // 422: the request breaks a validation rule
	EBADREQUEST   = "bad_request"               // 400: the request cannot be understood
	EUNAUTHORIZED = "unauthorized"              // 401: no, bad, expired or revoked credentials
	EFORBIDDEN    = "forbidden"                 // 403: visible but not permitted
	ENOTFOUND     = "not_found"                 // 404: absent or not visible to the caller
	ECONFLICT     = "conflict"                  // 409: clashes with the current state
	EPAYMENT      = "insufficient_credits"      // 402: the balance does not cover the cost
	ERATELIMIT    = "rate_limited"              // 429: too many attempts or generations in flight; see RetryAfter
	EIDEMPOTENCY  = "idempotency_key_reused"    // 422: an Idempotency-Key used with another request
	EUNAVAILABLE  = "unavailable"               // 503: a dependency timed out or is down
	EPROVIDER     = "provider_unavailable"      // 503: the generation provider is not configured
	EPAYMENTS     = "payments_unavailable"      // 503: payments (Stripe) are not configured
	ETOOLARGE     = "request_too_large"         // 413: the body or a file is over its limit
	EQUOTA        = "quota_exceeded"            // 413: the upload would pass the user's storage quota
	EMEDIATYPE    = "unsupported_media_type"    // 415: the body (or an uploaded file) is of a type not accepted
	EINTERNAL     = "internal"                  // 500: a bug; details are logged, not returned
	EINVALIDTOKEN = "invalid_token"             // 400: a link's token is unknown or was used
	EEXPIRED      = "expired"                   // 410: a link's token or an invitation expired
	EDISABLED     = "account_disabled"          // 403: the account was disabled by an admin
	EUNVERIFIED   = "email_unverified"          // 403: the action needs a verified email address
	EMFAREQUIRED  = "mfa_required"              // 403: only a session that passed a second factor may do this
	EREAUTH       = "reauthentication_required" // 403: sign in again, or give the password, to do this
)

// Error is Velro's application error: a code from the list above, a message
// safe to show to the client, and optional per-field details.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	// RetryAfter tells a throttled client when to come back (ERATELIMIT).
	RetryAfter time.Duration
}

// FieldError names one invalid input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("velro error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error naming one field.
func Invalid(field, message string) *Error {
	return &Error{Code: EINVALID, Message: field + ": " + message, Fields: []FieldError{{Field: field, Message: message}}}
}

// ErrorCode returns the code of an application error, EINTERNAL for any other
// non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of an application error and a
// generic text for any other error.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
