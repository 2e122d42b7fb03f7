package api

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/cors"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/perf"
)

// requestInfo is what every layer below the middleware may need to know of
// the request.
type requestInfo struct {
	id       string
	clientIP string
	viaProxy bool // the peer is a trusted proxy: its forwarding headers count
	log      *slog.Logger
}

type requestInfoKey struct{}

func requestInfoFrom(ctx context.Context) requestInfo {
	info, ok := ctx.Value(requestInfoKey{}).(requestInfo)
	if !ok {
		info.log = slog.New(slog.DiscardHandler)
	}
	return info
}

// withCORS allows the configured browser origins. It is the outermost
// layer, so error responses carry CORS headers too.
func withCORS(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	return cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
		AllowedHeaders:   []string{"Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"},
		ExposedHeaders:   []string{"X-Request-ID", "Retry-After", "WWW-Authenticate"},
		AllowCredentials: false, // never Velro's session cookie: other origins use bearer tokens
		MaxAge:           600,
	}).Handler(next)
}

// withBasics gives every request an id, security headers, an access-log
// line, panic recovery and JSON bodies for the router's own errors.
func withBasics(log *slog.Logger, proxies []netip.Prefix, track *perf.Tracker, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		track.RequestStarted()
		info := requestInfo{id: requestID(r.Header.Get("X-Request-ID")), log: log}
		info.clientIP, info.viaProxy = clientIP(r, proxies)
		h := w.Header()
		h["X-Request-Id"] = []string{info.id}
		for k, v := range securityHeaders {
			h[k] = v
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			h["Cache-Control"] = noStore
		}
		rec := &recorder{ResponseWriter: w, info: info}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					trackRequest(track, r, statusClientClosed, time.Since(start))
					panic(v)
				}
				log.Error("panic", "request_id", info.id, "panic", v, "stack", string(debug.Stack()))
				if !rec.wroteHeader {
					writeJSONError(rec, newError(info, errPanic))
				}
			}
			elapsed := time.Since(start)
			trackRequest(track, r, rec.status, elapsed)
			log.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("request_id", info.id),
				slog.String("method", r.Method),
				slog.String("path", loggedPath(r)),
				slog.Int("status", rec.status),
				slog.Int64("bytes", rec.bytes),
				slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
				slog.String("client_ip", info.clientIP),
			)
		}()
		ctx := context.WithValue(r.Context(), requestInfoKey{}, info)
		ctx = velro.WithActor(ctx, velro.Actor{IP: info.clientIP, UserAgent: r.UserAgent()})
		// The router sets the route pattern on this request; the deferred
		// function reads it.
		r = r.WithContext(ctx)
		next.ServeHTTP(rec, r)
	})
}

// securityHeaders go on every response. The slices are shared and never
// modified (net/http only reads them).
var securityHeaders = map[string][]string{
	"X-Content-Type-Options":  {"nosniff"},
	"X-Frame-Options":         {"DENY"},
	"Referrer-Policy":         {"no-referrer"},
	"Content-Security-Policy": {"frame-ancestors 'none'"},
}

var noStore = []string{"no-store"}

var errPanic = &panicError{}

type panicError struct{}

func (*panicError) Error() string { return "handler panicked" }

// requestID echoes a sane client-supplied id or makes one: a random
// per-process prefix and a counter, unique without a random read per
// request.
func requestID(given string) string {
	if n := len(given); n > 0 && n <= 128 && strings.Trim(given, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:") == "" {
		return given
	}
	buf := make([]byte, 0, len(requestIDPrefix)+20)
	buf = append(buf, requestIDPrefix...)
	return string(strconv.AppendUint(buf, requestCounter.Add(1), 10))
}

var (
	requestIDPrefix = rand.Text()[:16] + "-"
	requestCounter  atomic.Uint64
)

// clientIP is the address of the client, for throttling and logs: the
// peer, or, when the peer is a trusted proxy (a load balancer), the
// nearest untrusted address in X-Forwarded-For. Addresses added by the
// client itself (left of any trusted hop) are never believed: a client
// could forge them to dodge throttling. viaProxy reports a trusted peer.
func clientIP(r *http.Request, proxies []netip.Prefix) (ip string, viaProxy bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	trusted := func(s string) bool {
		addr, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return false
		}
		for _, p := range proxies {
			if p.Contains(addr.Unmap()) {
				return true
			}
		}
		return false
	}
	if len(proxies) == 0 || !trusted(host) {
		return host, false
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(hop); err != nil {
			break // garbage: stop at the last address a proxy vouched for
		}
		if !trusted(hop) {
			return hop, true
		}
		host = hop
	}
	return host, true
}

// recorder captures status and size for the access log, and turns the
// plain-text errors of net/http's router (404, 405) into JSON error bodies.
type recorder struct {
	http.ResponseWriter
	info        requestInfo
	status      int
	bytes       int64
	wroteHeader bool
	discard     bool
}

func (w *recorder) WriteHeader(code int) {
	if w.wroteHeader {
		return
	}
	if code >= 400 && strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		w.discard = true
		writeJSONError(w.ResponseWriter, &errorBody{Detail: http.StatusText(code), Code: codeOf(code), RequestID: w.info.id, status: code})
		w.status, w.wroteHeader = code, true
		return
	}
	w.status, w.wroteHeader = code, true
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.discard {
		return len(b), nil
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush keeps streaming responses (SSE) streaming.
func (w *recorder) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func writeJSONError(w http.ResponseWriter, e *errorBody) {
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Content-Type", "application/json")
	for k, v := range e.headers {
		h[k] = v
	}
	w.WriteHeader(e.status)
	json.NewEncoder(w).Encode(e)
}
