package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/velro-ai/velro"
)

// errorBody is the error body (docs/guide.md). It is also huma's error type, so
// validation, body-size and routing failures speak the same shape.
type errorBody struct {
	Detail    string             `json:"detail" doc:"Human-readable message"`
	Code      string             `json:"error" doc:"Machine-readable code, such as not_found or insufficient_credits"`
	RequestID string             `json:"request_id" doc:"The X-Request-ID of the request"`
	Errors    []velro.FieldError `json:"errors,omitempty" doc:"Per-field problems of a 422"`

	status  int
	headers http.Header
}

func (e *errorBody) Error() string  { return e.Detail }
func (e *errorBody) GetStatus() int { return e.status }

// statusClientClosed is nginx's status for a request the client abandoned;
// it appears only in access logs.
const statusClientClosed = 499

// ErrorCode is one value of the error body's "error" field.
type ErrorCode struct {
	Code    string
	Status  int
	Meaning string
}

// ErrorCodes lists every error code the API answers, with its status: the
// application's (velro.E*) and the HTTP layer's own. docs/guide.md's table
// is generated from it.
func ErrorCodes() []ErrorCode {
	return []ErrorCode{
		{velro.EBADREQUEST, http.StatusBadRequest, "the request cannot be understood (a malformed body, a bad media key)"},
		{velro.EINVALIDTOKEN, http.StatusBadRequest, "the token of a mailed link (password reset, address verification) is unknown or was used"},
		{velro.EUNAUTHORIZED, http.StatusUnauthorized, "no, bad, expired or revoked credentials; the response carries `WWW-Authenticate: Bearer`"},
		{velro.EPAYMENT, http.StatusPaymentRequired, "the balance does not cover the generation's cost; nothing was charged"},
		{velro.EFORBIDDEN, http.StatusForbidden, "the caller sees the resource but may not do this (or a signed media URL is invalid or expired)"},
		{velro.EDISABLED, http.StatusForbidden, "the account was disabled by an admin: it cannot log in"},
		{velro.EUNVERIFIED, http.StatusForbidden, "the action (sending invitations) needs a verified email address: `POST /api/v1/auth/verify/send`"},
		{velro.EMFAREQUIRED, http.StatusForbidden, "with `VELRO_ADMIN_MFA=required`, admin endpoints need a session that passed a second factor"},
		{velro.EREAUTH, http.StatusForbidden, "adding a credential needs a sign-in in the last 10 minutes, or the account's `password` in the request"},
		{velro.ENOTFOUND, http.StatusNotFound, "absent, or not visible to the caller (no existence leak)"},
		{"method_not_allowed", http.StatusMethodNotAllowed, "the path exists, the method does not"},
		{"not_acceptable", http.StatusNotAcceptable, "the `Accept` header asks for a format the API does not speak"},
		{velro.ECONFLICT, http.StatusConflict, "the request clashes with the current state (a duplicate email, a member already added, a generation that already ended)"},
		{"gone", http.StatusGone, "the media behind a signed URL was deleted"},
		{velro.EEXPIRED, http.StatusGone, "a mailed link (password reset, verification) or an invitation has expired; ask for a new one"},
		{velro.ETOOLARGE, http.StatusRequestEntityTooLarge, "the body is over the limit (1 MiB of JSON; 20 MiB a file for uploads)"},
		{velro.EQUOTA, http.StatusRequestEntityTooLarge, "the upload would pass the caller's storage quota (`GET /api/v1/user/storage`)"},
		{velro.EMEDIATYPE, http.StatusUnsupportedMediaType, "the body is not JSON (or a form where forms are accepted), or an uploaded file is not of an accepted type"},
		{velro.EINVALID, http.StatusUnprocessableEntity, "a field breaks a validation rule; `errors` names each field"},
		{velro.EIDEMPOTENCY, http.StatusUnprocessableEntity, "the `Idempotency-Key` was used before with a different request; nothing was charged"},
		{velro.ERATELIMIT, http.StatusTooManyRequests, "too many attempts, or too many generations in flight; `Retry-After` says when to come back"},
		{velro.EINTERNAL, http.StatusInternalServerError, "a bug: the details are logged under the request id, never returned"},
		{velro.EUNAVAILABLE, http.StatusServiceUnavailable, "a dependency (the database) did not answer in time; retry shortly"},
		{velro.EPROVIDER, http.StatusServiceUnavailable, "the generation provider of this model is not configured; nothing was charged"},
		{velro.EPAYMENTS, http.StatusServiceUnavailable, "payments (Stripe) are not set up on this server: credits cannot be bought"},
	}
}

// statusOf maps error codes to HTTP statuses.
var statusOf = func() map[string]int {
	m := map[string]int{}
	for _, c := range ErrorCodes() {
		m[c.Code] = c.Status
	}
	return m
}()

// codeOf names the errors the HTTP layer itself raises: the first code of
// ErrorCodes with the status.
func codeOf(status int) string {
	for _, c := range ErrorCodes() {
		if c.Status == status {
			return c.Code
		}
	}
	return strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_"))
}

// newError builds the error response for err: application errors keep
// their code and message; anything else is a 500 whose cause is logged,
// not shown.
func newError(r requestInfo, err error) *errorBody {
	var appErr *velro.Error
	switch {
	case errors.As(err, &appErr):
	case errors.Is(err, context.Canceled):
		// The client went away (nobody reads this answer): not a bug.
		return &errorBody{Detail: "The request was cancelled.", Code: "client_closed_request", RequestID: r.id, status: statusClientClosed}
	default:
		r.log.Error("internal error", "request_id", r.id, "error", err)
		appErr = &velro.Error{Code: velro.EINTERNAL, Message: "Internal error."}
	}
	body := &errorBody{Detail: appErr.Message, Code: appErr.Code, RequestID: r.id, Errors: appErr.Fields,
		status: statusOf[appErr.Code], headers: http.Header{}}
	if body.status == 0 {
		body.status = http.StatusInternalServerError
	}
	switch body.status {
	case http.StatusUnauthorized:
		body.headers.Set("WWW-Authenticate", `Bearer realm="api"`)
	case http.StatusTooManyRequests:
		secs := int(appErr.RetryAfter.Seconds() + 0.999)
		body.headers.Set("Retry-After", strconv.Itoa(max(1, secs)))
	}
	return body
}

// init makes huma build errorBody values. Handler errors reach it as the
// 500 fallback; they carry their own code. It is called just before huma
// writes the error, so it sets the error's headers too. Huma's hooks are
// global: they take the request's logger from its context, so several
// servers in one process (tests) each log to their own.
func init() {
	// Huma derives the error schema of /openapi.json from what NewError
	// returns; requests themselves go through NewErrorWithContext.
	huma.NewError = func(status int, msg string, _ ...error) huma.StatusError {
		return &errorBody{Detail: msg, Code: codeOf(status), status: status}
	}
	huma.NewErrorWithContext = func(ctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
		body := humaError(ctx, status, msg, errs)
		for k, values := range body.headers {
			for _, v := range values {
				ctx.SetHeader(k, v)
			}
		}
		return body
	}
}

// humaError builds the body of an error huma raises (validation, body size,
// content type) or of a handler error that reached huma's 500 fallback.
func humaError(ctx huma.Context, status int, msg string, errs []error) *errorBody {
	info := requestInfoFrom(ctx.Context())
	for _, err := range errs {
		var appErr *velro.Error
		if errors.As(err, &appErr) {
			return newError(info, appErr)
		}
	}
	if status >= 500 {
		return newError(info, fmt.Errorf("%s: %w", msg, errors.Join(errs...)))
	}
	appErr := &velro.Error{Code: codeOf(status), Message: msg}
	for _, err := range errs {
		var d *huma.ErrorDetail
		if errors.As(err, &d) {
			field := strings.TrimPrefix(strings.TrimPrefix(d.Location, "body."), "body")
			if field == "" {
				field = "body"
			}
			appErr.Fields = append(appErr.Fields, velro.FieldError{Field: field, Message: d.Message})
		} else if err != nil {
			appErr.Fields = append(appErr.Fields, velro.FieldError{Field: "request", Message: err.Error()})
		}
	}
	if len(appErr.Fields) > 0 {
		first := appErr.Fields[0]
		appErr.Message = fmt.Sprintf("%s: %s: %s", capitalize(msg), first.Field, first.Message)
	}
	body := newError(info, appErr)
	body.status = status
	return body
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
