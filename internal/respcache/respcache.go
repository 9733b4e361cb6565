// Package respcache keeps whole GraphQL answers and serves them again while
// nothing they were computed from can have changed. A dashboard asks the
// same few questions over and over; the answer to a city's dashboard is
// hundreds of kilobytes that take far longer to compute and encode than to
// copy.
//
// An answer is reused only when all of these are equal: the request (body or
// query string, and the Accept header), the principal (subject, role,
// scope, pii), the store's data version (store.DataVersion: every write
// transaction raises it, whichever process writes) and the clock's minute
// (relative periods, "today" and "the last quarter" move with the clock,
// and in any zone they move on a minute boundary). Answers with errors,
// answers that showed personal data (each such read must reach the access
// log, so it must run) and anything but a successful query are not kept.
// Memory is bounded: least recently used answers go first.
package respcache

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/store"
)

// DefaultMaxBytes bounds the answers kept.
const DefaultMaxBytes = 64 << 20

// maxBody is the largest request body the cache reads to key on; larger
// requests pass through uncached.
const maxBody = 64 << 10

// Cache is a bounded LRU of answers.
type Cache struct {
	db       *store.DB
	now      func() time.Time
	maxBytes int

	mu    sync.Mutex
	order *list.List // of *entry, most recent first
	byKey map[[32]byte]*list.Element
	bytes int
}

type entry struct {
	key         [32]byte
	contentType string
	body        []byte
}

// New returns a cache of at most maxBytes of answers (<= 0: DefaultMaxBytes)
// over db; now nil is the wall clock.
func New(db *store.DB, maxBytes int, now func() time.Time) *Cache {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if now == nil {
		now = time.Now
	}
	return &Cache{db: db, now: now, maxBytes: maxBytes, order: list.New(), byKey: map[[32]byte]*list.Element{}}
}

// state is what the GraphQL layer tells the cache about one request.
type state struct {
	mu      sync.Mutex
	noStore bool
}

type stateKey struct{}

// DoNotStore marks the request's answer as not to be kept: it showed
// personal data, failed, or is not a plain query.
func DoNotStore(ctx context.Context) {
	if s, ok := ctx.Value(stateKey{}).(*state); ok {
		s.mu.Lock()
		s.noStore = true
		s.mu.Unlock()
	}
}

// Middleware serves kept answers and keeps new ones. It must run after
// authentication: the principal is part of the key.
func (c *Cache) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, ok := c.key(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		if e := c.get(key); e != nil {
			w.Header().Set("Content-Type", e.contentType)
			w.Header().Set("X-Civicgraph-Cache", "hit")
			w.Header().Set("Content-Length", strconv.Itoa(len(e.body)))
			_, _ = w.Write(e.body)
			return
		}
		st := &state{}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK, limit: c.maxEntry()}
		w.Header().Set("X-Civicgraph-Cache", "miss")
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), stateKey{}, st)))
		st.mu.Lock()
		keep := !st.noStore && rec.status == http.StatusOK && !rec.tooBig
		st.mu.Unlock()
		if keep {
			c.put(&entry{key: key, contentType: rec.Header().Get("Content-Type"), body: rec.buf.Bytes()})
		}
	})
}

// key computes the request's cache key; false when it is not cacheable or
// the data version cannot be read (the request then runs as usual and
// meets the same failure with a proper error).
func (c *Cache) key(r *http.Request) ([32]byte, bool) {
	var zero [32]byte
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return zero, false
	}
	h := sha256.New()
	write := func(parts ...string) {
		for _, p := range parts {
			h.Write([]byte(p))
			h.Write([]byte{0})
		}
	}
	write(r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Accept"), r.Header.Get("Content-Type"))
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		// Whatever happens, the handler reads the same bytes.
		r.Body = readCloser{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		if err != nil || len(body) > maxBody {
			return zero, false
		}
		h.Write(body)
		h.Write([]byte{0})
	}
	p := auth.From(r.Context())
	if p == nil {
		write("-")
	} else {
		write(p.Subject, string(p.Role), p.Scope.String(), strconv.FormatInt(p.Scope.ID, 10), strconv.FormatBool(p.PII))
	}
	v, err := c.db.DataVersion(r.Context())
	if err != nil {
		slog.WarnContext(r.Context(), "response cache: no data version; not caching", "err", err)
		return zero, false
	}
	write(strconv.FormatInt(v, 10), strconv.FormatInt(c.now().Unix()/60, 10))
	var k [32]byte
	copy(k[:], h.Sum(nil))
	return k, true
}

func (c *Cache) get(k [32]byte) *entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[k]
	if !ok {
		return nil
	}
	c.order.MoveToFront(el)
	return el.Value.(*entry)
}

// maxEntry bounds one kept answer: one answer may not crowd out everything
// else.
func (c *Cache) maxEntry() int { return c.maxBytes / 4 }

func (c *Cache) put(e *entry) {
	size := len(e.body) + 64
	if size > c.maxEntry() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[e.key]; ok {
		c.order.MoveToFront(el)
		return
	}
	c.byKey[e.key] = c.order.PushFront(e)
	c.bytes += size
	for c.bytes > c.maxBytes {
		last := c.order.Back()
		old := last.Value.(*entry)
		c.order.Remove(last)
		delete(c.byKey, old.key)
		c.bytes -= len(old.body) + 64
	}
}

// recorder passes the answer through and keeps a copy.
type recorder struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
	limit  int // past this many bytes the answer is not kept (nor copied)
	tooBig bool
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	if !r.tooBig {
		if r.buf.Len()+len(p) > r.limit {
			r.tooBig, r.buf = true, bytes.Buffer{}
		} else {
			r.buf.Write(p)
		}
	}
	return r.ResponseWriter.Write(p)
}

// Flush keeps streaming transports working through the recorder.
func (r *recorder) Flush() {
	r.tooBig = true // a streamed answer is not kept
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

type readCloser struct {
	io.Reader
	io.Closer
}
