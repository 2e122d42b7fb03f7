package loadtest

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
)

// errorKind sorts a failed request into the few classes the report
// counts.
func errorKind(err error) string {
	var se *StatusError
	var ne net.Error
	switch {
	case errors.As(err, &se):
		return se.Kind()
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "client out of file descriptors"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "connection reset"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "client out of ports"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed by server"
	}
	return "transport error"
}
