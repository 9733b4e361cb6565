package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/changes"
	"github.com/civicgraph/civicgraph/internal/respcache"
	"github.com/civicgraph/civicgraph/internal/server/httptransport"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// This file routes GraphQL query operations to the store's read replicas
// (store.OpenReplicas) without letting a client miss its own writes.
// Mutations and subscriptions run on the primary; a query operation's
// reads go to a replica that has replayed the request's minimum change
// sequence, else to the primary. The minimum is the highest of:
//
//   - the Civicgraph-Min-Sequence header (a sequence the client saw: the
//     Civicgraph-Sequence of its last mutation, say, even one sent to
//     another process);
//   - the last sequence the same principal's mutations reached in this
//     process in the last recentWriteTTL, so that a client that writes
//     and then reads sees its write without sending anything;
//   - the sequence an earlier mutation of the same request (a batch)
//     reached.
//
// With replicas, every answer to a request that ran a mutation carries
// Civicgraph-Sequence: the change feed's last sequence once the mutation
// committed.

// The headers of read-your-writes.
const (
	HeaderSequence    = "Civicgraph-Sequence"
	HeaderMinSequence = "Civicgraph-Min-Sequence"
)

// recentWriteTTL is how long this process routes a principal's reads by
// the sequence its last mutation reached: well beyond any healthy
// replica's lag, after which the replica has it anyway.
const recentWriteTTL = 30 * time.Second

// consistency is one request's read-your-writes state, in its context.
type consistency struct {
	db     *store.DB
	recent *recentWrites
	header int64        // Civicgraph-Min-Sequence, 0 when not sent
	wrote  atomic.Int64 // the highest sequence this request's mutations reached
}

type consistencyKey struct{}

func consistencyOf(ctx context.Context) *consistency {
	c, _ := ctx.Value(consistencyKey{}).(*consistency)
	return c
}

// minSequence is the least sequence a query of the request must see.
func (c *consistency) minSequence(ctx context.Context) int64 {
	m := max(c.header, c.wrote.Load())
	if p := auth.From(ctx); p != nil {
		m = max(m, c.recent.since(p.Subject))
	}
	return m
}

// noteWrite records the sequence a mutation of the request reached.
// Without replicas nothing reads it, so nothing is read.
func (c *consistency) noteWrite(ctx context.Context) {
	if !c.db.HasReplicas() {
		return
	}
	// ctx is not ReadOnly: the primary answers, after the commit.
	seq, err := changes.Last(ctx, c.db)
	if err != nil {
		slog.WarnContext(ctx, "read-your-writes: the change sequence after a mutation could not be read; its reads may go to the primary only by header", "err", err.Error())
		return
	}
	for {
		old := c.wrote.Load()
		if seq <= old || c.wrote.CompareAndSwap(old, seq) {
			break
		}
	}
	if p := auth.From(ctx); p != nil {
		c.recent.remember(p.Subject, seq)
	}
}

// readYourWrites gives each /graphql request its consistency state: it
// refuses a malformed Civicgraph-Min-Sequence (BAD_USER_INPUT, nothing
// run) and adds Civicgraph-Sequence to the answer of a request whose
// mutations reached one. It must run after authentication and before
// splitBatch, so that a batch shares one state and one header.
func readYourWrites(db *store.DB, recent *recentWrites, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := newConsistency(w, r, db, recent)
		if !ok {
			return
		}
		next.ServeHTTP(&sequenceWriter{ResponseWriter: w, c: c}, r.WithContext(context.WithValue(r.Context(), consistencyKey{}, c)))
	})
}

// readYourWritesUpgrade is readYourWrites for websocket upgrades: the
// connection's queries are routed as a request's, and its mutations are
// remembered for the principal, but no header can follow them.
func readYourWritesUpgrade(db *store.DB, recent *recentWrites, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := newConsistency(w, r, db, recent); ok {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), consistencyKey{}, c)))
		}
	})
}

// newConsistency reads the request's header, refusing it when malformed.
func newConsistency(w http.ResponseWriter, r *http.Request, db *store.DB, recent *recentWrites) (*consistency, bool) {
	c := &consistency{db: db, recent: recent}
	if vs := r.Header.Values(HeaderMinSequence); len(vs) > 0 {
		n, err := strconv.ParseInt(vs[0], 10, 64)
		if len(vs) > 1 || err != nil || n < 0 {
			httptransport.Refuse(w, r, http.StatusBadRequest, &gqlerror.Error{
				Message:    fmt.Sprintf("the %s header must be one change sequence, a whole number of at least 0 (as %s gives it)", HeaderMinSequence, HeaderSequence),
				Extensions: map[string]any{"code": string(apperr.BadUserInput)},
			})
			return nil, false
		}
		c.header = n
	}
	return c, true
}

// sequenceWriter adds Civicgraph-Sequence before the answer's header goes
// out, once the request's mutations have run.
type sequenceWriter struct {
	http.ResponseWriter
	c    *consistency
	sent bool
}

func (w *sequenceWriter) WriteHeader(code int) {
	if !w.sent {
		w.sent = true
		if seq := w.c.wrote.Load(); seq > 0 {
			w.Header().Set(HeaderSequence, strconv.FormatInt(seq, 10))
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *sequenceWriter) Write(b []byte) (int, error) {
	if !w.sent {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flushes).
func (w *sequenceWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// readRouting is the gqlgen extension that marks query operations as
// reads a replica may serve (store.ReadOnly) with the request's minimum
// sequence, and has mutations record the sequence they reached. An
// operation without a consistency state (GraphQL used without New's
// middleware) reads from the primary.
type readRouting struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = readRouting{}

func (readRouting) ExtensionName() string                   { return "ReadRouting" }
func (readRouting) Validate(graphql.ExecutableSchema) error { return nil }

func (readRouting) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	c := consistencyOf(ctx)
	if c == nil || !graphql.HasOperationContext(ctx) || graphql.GetOperationContext(ctx).Operation == nil {
		return next(ctx)
	}
	switch graphql.GetOperationContext(ctx).Operation.Operation {
	case ast.Query:
		readCtx := store.ReadOnly(ctx, c.minSequence(ctx))
		respond := next(readCtx)
		return func(ctx context.Context) *graphql.Response {
			resp := respond(ctx)
			if store.ServedByReplica(readCtx) {
				// The cache keys answers by the primary's data
				// version, which a replica may not have reached:
				// kept, this answer could outlive the replica's lag.
				respcache.DoNotStore(readCtx)
			}
			return resp
		}
	case ast.Mutation:
		respond := next(ctx)
		return func(ctx context.Context) *graphql.Response {
			resp := respond(ctx)
			if resp != nil {
				c.noteWrite(ctx)
			}
			return resp
		}
	}
	return next(ctx) // subscriptions follow the primary's change feed
}

// recentWrites remembers, per principal, the last sequence its mutations
// reached in this process, for recentWriteTTL.
type recentWrites struct {
	ttl time.Duration

	mu     sync.Mutex
	bySubj map[string]recentWrite
	pruned time.Time
}

type recentWrite struct {
	seq   int64
	until time.Time
}

func newRecentWrites(ttl time.Duration) *recentWrites {
	return &recentWrites{ttl: ttl, bySubj: map[string]recentWrite{}}
}

func (r *recentWrites) remember(subject string, seq int64) {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.pruned) > r.ttl {
		// Forget the expired, at most once a TTL: the map holds no more
		// than the principals that wrote in the last two TTLs.
		for s, w := range r.bySubj {
			if now.After(w.until) {
				delete(r.bySubj, s)
			}
		}
		r.pruned = now
	}
	if w := r.bySubj[subject]; w.seq > seq && now.Before(w.until) {
		seq = w.seq
	}
	r.bySubj[subject] = recentWrite{seq: seq, until: now.Add(r.ttl)}
}

// since is the principal's last remembered sequence, 0 when none or
// expired.
func (r *recentWrites) since(subject string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if w, ok := r.bySubj[subject]; ok && time.Now().Before(w.until) {
		return w.seq
	}
	return 0
}
