package generate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/velro-ai/velro/fetch"
)

// call is one exchange with FAL's API: the body of its 2xx answer, or an
// error that tells the user only whether FAL answered. A 4xx answer is
// permanent: FAL refused the input, the request or the key.
func (f *FAL) call(ctx context.Context, stage, method, target string, body []byte) ([]byte, error) {
	resp, err := f.open(ctx, method, target, body)
	if err == nil && !falOK(resp.StatusCode) {
		err = Permanent(falStatus(resp))
	}
	if err != nil {
		reason := reasonUnreachable
		if _, answered := errors.AsType[*falStatusError](err); answered {
			reason = reasonProvider
		}
		return nil, failed(reason, fmt.Errorf("fal: %s: %w", stage, err))
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, falMaxJSON+1))
	if err == nil && len(answer) > falMaxJSON {
		err = Permanent(fmt.Errorf("answer over %d bytes", falMaxJSON))
	}
	if err != nil {
		return nil, failed(reasonUnreachable, fmt.Errorf("fal: %s: %w", stage, err))
	}
	return answer, nil
}

// open sends a request, retrying network errors, 429 and 5xx with a short
// backoff. It returns a response not worth retrying, its body open for the
// caller to judge and close, or the last error once attempts run out.
func (f *FAL) open(ctx context.Context, method, target string, body []byte) (*http.Response, error) {
	delay := falRetryDelay
	for attempt := 1; ; attempt++ {
		resp, err := f.send(ctx, method, target, body)
		if err == nil && !falRetryable(resp.StatusCode) {
			return resp, nil
		}
		if err == nil {
			err = falStatus(resp)
		}
		if IsPermanent(err) || ctx.Err() != nil || attempt >= f.cfg.Retries {
			return nil, err
		}
		if err := falSleep(ctx, delay); err != nil {
			return nil, err
		}
		delay *= 2
	}
}

// send sends one request under the outbound-fetch policy, with the key
// only when it goes to FAL's own origin (scheme, host and port; the fetch
// client keeps it there across redirects).
func (f *FAL) send(ctx context.Context, method, target string, body []byte) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, Permanent(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if fetch.OriginOf(req.URL) == f.base {
		req.Header.Set("Authorization", "Key "+f.cfg.Key)
	}
	resp, err := f.client.Do(req)
	return resp, falFetchError(err)
}

// falFetchError marks what a retry cannot fix: a destination the policy
// refuses, a body over the size limit.
func falFetchError(err error) error {
	if errors.Is(err, fetch.ErrRefused) || errors.Is(err, fetch.ErrTooLarge) {
		return Permanent(err)
	}
	return err
}

func falOK(status int) bool { return status >= 200 && status < 300 }

func falRetryable(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// falStatusError is an answer other than 2xx, with an excerpt of its body
// for the log.
type falStatusError struct {
	status  int
	excerpt string
}

func (e *falStatusError) Error() string { return fmt.Sprintf("status %d: %s", e.status, e.excerpt) }

// falStatus reads the start of a non-2xx answer and closes it.
func falStatus(resp *http.Response) error {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, falMaxErrorBody))
	return &falStatusError{status: resp.StatusCode, excerpt: falExcerpt(body)}
}
