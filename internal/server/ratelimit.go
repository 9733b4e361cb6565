package server

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/metrics"
	"github.com/civicgraph/civicgraph/internal/server/httptransport"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/time/rate"
)

// rateLimiter keeps a token bucket per principal: every operation takes a
// token, tokens come back at limit per second up to burst. One client that
// loops cannot starve the others; a dashboard that fires a burst of panels
// at once is not refused.
//
// A bucket idle for as long as an empty one takes to fill is full again,
// and so no different from a new one: such buckets are dropped, which keeps
// the map as small as the set of recently active principals.
type rateLimiter struct {
	limit rate.Limit
	burst int
	now   func() time.Time
	idle  time.Duration // time an empty bucket takes to fill
	// metrics counts refusals (civicgraph_rate_limited_total); nil: none.
	metrics *metrics.Metrics

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens   *rate.Limiter
	lastUsed time.Time
}

func newRateLimiter(perSecond float64, burst int, now func() time.Time) *rateLimiter {
	idle := time.Duration(float64(burst) / perSecond * float64(time.Second))
	return &rateLimiter{
		limit:     rate.Limit(perSecond),
		burst:     burst,
		now:       now,
		idle:      max(idle, time.Second),
		buckets:   map[string]*bucket{},
		lastSweep: now(),
	}
}

// take spends one of key's tokens. When there is none it returns false and
// how long until there is.
func (l *rateLimiter) take(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now() // under the lock, so that each bucket sees time move forward
	if now.Sub(l.lastSweep) >= l.idle {
		l.sweep(now)
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = b
	}
	b.lastUsed = now
	res := b.tokens.ReserveN(now, 1)
	if !res.OK() {
		return false, l.idle
	}
	if wait := res.DelayFrom(now); wait > 0 {
		res.CancelAt(now) // a refused request spends nothing
		return false, wait
	}
	return true, 0
}

// sweep drops the buckets that have refilled completely.
func (l *rateLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if now.Sub(b.lastUsed) >= l.idle {
			delete(l.buckets, k)
		}
	}
	l.lastSweep = now
}

// size is how many buckets are kept (for tests).
func (l *rateLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// middleware refuses a request whose principal has no token left with 429,
// Retry-After and RATE_LIMITED. It reads the principal, so it runs behind
// authentication.
func (l *rateLimiter) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, who := rateKey(auth.From(r.Context()), r.RemoteAddr)
		ok, wait := l.take(key)
		if ok {
			next.ServeHTTP(w, r)
			return
		}
		secs, refusal := l.refusal(who, wait)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		httptransport.Refuse(w, r, http.StatusTooManyRequests, refusal)
	})
}

// refusal is the error that turns away an operation of who (see rateKey)
// that must wait before its next token, and the wait in whole seconds. It
// counts the refusal.
func (l *rateLimiter) refusal(who string, wait time.Duration) (int, *gqlerror.Error) {
	l.metrics.RateLimited() // every refusal, over HTTP or a websocket, is made here
	secs := max(int(math.Ceil(wait.Seconds())), 1)
	return secs, &gqlerror.Error{
		Message: fmt.Sprintf("rate limit of %s requests/s (burst %d) exceeded for this %s; retry after %ds",
			strconv.FormatFloat(float64(l.limit), 'f', -1, 64), l.burst, who, secs),
		Extensions: map[string]any{"code": string(apperr.RateLimited)},
	}
}

// rateKey names the bucket of a request from principal p and client
// address remoteAddr, and what it stands for in the refusal's message.
// Principals go by subject (an API key, a token's subject); the demo's
// anonymous reader and requests without a principal are everyone and no
// one, so they go by client address instead.
func rateKey(p *auth.Principal, remoteAddr string) (key, who string) {
	if p != nil && !p.Anonymous && p.Subject != "" {
		return "principal " + p.Subject, "key"
	}
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	return "address " + host, "client address"
}
