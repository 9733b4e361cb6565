package server

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/civicgraph/civicgraph/internal/metrics"
	"go.opentelemetry.io/otel/trace"
)

// statusWriter remembers the status a handler wrote, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// RequestIDHeader carries a request's id: the client's, when it sends a
// usable one, else one the server makes; either way the response echoes
// it, so that a client's report and the server's log lines meet.
const RequestIDHeader = "X-Request-Id"

// requestIDKey is the request id's attribute in log lines.
const requestIDKey = "request_id"

// logRequests gives every request an id (see RequestIDHeader), writes one
// structured log line per request, with its id and the names of the
// GraphQL operations it ran, and counts it in m (nil: nowhere). It never
// logs request bodies, query text or variables: they may carry personal
// data.
func logRequests(m *metrics.Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{id: requestIDOf(r.Header.Get(RequestIDHeader))}
		w.Header().Set(RequestIDHeader, info.id)
		r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info))
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		status := statusOf(r, sw.status)
		m.Request(routeOf(r.URL.Path), status)
		attrs := []any{requestIDKey, info.id,
			"method", r.Method, "path", r.URL.Path, "status", status,
			"bytes", sw.bytes, "duration_ms", float64(time.Since(start).Microseconds()) / 1000}
		if ops := info.operations(); ops != "" {
			attrs = append(attrs, "operation", ops)
		}
		slog.InfoContext(r.Context(), "request", attrs...)
	})
}

// requestIDOf is the id of a request whose client sent header: header
// itself when it is 1 to 64 characters of [A-Za-z0-9._-], which cannot
// forge a log line or carry much, else a random 16-hex-digit id.
func requestIDOf(header string) string {
	if n := len(header); n >= 1 && n <= 64 && strings.Trim(header, idChars) == "" {
		return header
	}
	return fmt.Sprintf("%016x", rand.Uint64())
}

// idChars are the characters of a client's request id that are kept.
const idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

// requestInfo is what a request's log line tells beyond the request
// itself: its id, and the operations it ran, which the operation observer
// (metrics.go) notes as they start; a batch or a websocket runs several,
// possibly at once.
type requestInfo struct {
	id string

	mu      sync.Mutex
	ops     []string
	dropped int
}

type requestInfoKey struct{}

// maxLoggedOperations bounds the names one request line carries: a
// websocket may run thousands of operations over hours.
const maxLoggedOperations = 20

// noteOperation adds an operation's name (as metrics.NameOf gives it) to
// the log line of ctx's request, if any.
func noteOperation(ctx context.Context, name string) {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	if info == nil {
		return
	}
	info.mu.Lock()
	defer info.mu.Unlock()
	if len(info.ops) < maxLoggedOperations {
		info.ops = append(info.ops, name)
	} else {
		info.dropped++
	}
}

// operations is the noted names, comma-separated, "" when none.
func (info *requestInfo) operations() string {
	info.mu.Lock()
	defer info.mu.Unlock()
	s := strings.Join(info.ops, ",")
	if info.dropped > 0 {
		s += fmt.Sprintf(",+%d more", info.dropped)
	}
	return s
}

// RequestID is the id of the request ctx belongs to (see RequestIDHeader),
// "" outside a request, so that any log line can carry it.
func RequestID(ctx context.Context) string {
	if info, _ := ctx.Value(requestInfoKey{}).(*requestInfo); info != nil {
		return info.id
	}
	return ""
}

// RequestIDHandler wraps a log handler so that every line logged with a
// request's context (slog.InfoContext(ctx, ...) anywhere below the server)
// carries the request's id as request_id, as the request line does. The
// command that chooses the handler (JSON or text) wraps it with this.
func RequestIDHandler(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" && !hasAttr(r, requestIDKey) {
		r = r.Clone()
		r.AddAttrs(slog.String(requestIDKey, id))
	}
	// With tracing on, a line logged inside a traced operation names its
	// trace and span, so that an operator can go from the log to the trace.
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() && !hasAttr(r, traceIDKey) {
		r = r.Clone()
		r.AddAttrs(slog.String(traceIDKey, sc.TraceID().String()), slog.String(spanIDKey, sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

// The attributes naming a log line's trace and span (OpenTelemetry's log
// data model names).
const (
	traceIDKey = "trace_id"
	spanIDKey  = "span_id"
)

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// hasAttr reports whether r has a top-level attribute named key.
func hasAttr(r slog.Record, key string) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == key
		return !found
	})
	return found
}

// recoverPanics answers 500 to a request whose handler panicked, logging the
// stack and telling the client nothing about it.
func recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				slog.ErrorContext(r.Context(), "panic in handler", requestIDKey, RequestID(r.Context()),
					"panic", p, "stack", string(debug.Stack()))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
