// Package accesslog records every unmasked read of personal data (PIPL):
// who read which field of which row, when, in which operation. Resolvers
// note each read in the request's log; the log is written to the
// access_log table before the response leaves, and a response whose reads
// could not be logged is replaced by an error — personal data is never
// delivered unrecorded.
package accesslog

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/respcache"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// row identifies one read row.
type row struct {
	entity string
	id     int64
}

// Log collects one request's unmasked reads.
type Log struct {
	mu    sync.Mutex
	reads map[row]map[string]bool // row -> fields read
}

type logKey struct{}

// With returns ctx carrying a fresh log.
func With(ctx context.Context) (context.Context, *Log) {
	l := &Log{reads: map[row]map[string]bool{}}
	return context.WithValue(ctx, logKey{}, l), l
}

// Note records that field of the entity row id was read unmasked. Without
// a log in ctx (in-process callers) it does nothing.
func Note(ctx context.Context, entity string, id int64, field string) {
	l, _ := ctx.Value(logKey{}).(*Log)
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	k := row{entity, id}
	if l.reads[k] == nil {
		l.reads[k] = map[string]bool{}
	}
	l.reads[k][field] = true
}

// Fork returns ctx carrying a log of its own for an attempt that may be
// abandoned (graph.Direct's, which gqlgen may redo): commit adds its reads
// to ctx's log; without it they are dropped. Without a log in ctx nothing
// is recorded either way.
func Fork(ctx context.Context) (context.Context, func()) {
	parent, _ := ctx.Value(logKey{}).(*Log)
	if parent == nil {
		return ctx, func() {}
	}
	child := &Log{reads: map[row]map[string]bool{}}
	return context.WithValue(ctx, logKey{}, child), func() { parent.merge(child) }
}

// merge adds o's reads to l's.
func (l *Log) merge(o *Log) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.reads) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, fields := range o.reads {
		if l.reads[k] == nil {
			l.reads[k] = map[string]bool{}
		}
		for f := range fields {
			l.reads[k][f] = true
		}
	}
}

// Len is the number of rows read.
func (l *Log) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.reads)
}

// maxRowsPerStatement keeps a flush's INSERTs within SQLite's 32,766 bound
// parameters (6 per row).
const maxRowsPerStatement = 1000

// Write stores the reads, one access_log row per row read, in one
// transaction.
func (l *Log) Write(ctx context.Context, db *store.DB, who *auth.Principal, operation string, at time.Time) error {
	l.mu.Lock()
	keys := make([]row, 0, len(l.reads))
	for k := range l.reads {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].entity != keys[j].entity {
			return keys[i].entity < keys[j].entity
		}
		return keys[i].id < keys[j].id
	})
	fields := make([]string, len(keys))
	for i, k := range keys {
		fs := make([]string, 0, len(l.reads[k]))
		for f := range l.reads[k] {
			fs = append(fs, f)
		}
		sort.Strings(fs)
		fields[i] = strings.Join(fs, ",")
	}
	l.mu.Unlock()
	if len(keys) == 0 {
		return nil
	}
	subject := "in-process"
	if who != nil {
		subject = who.Subject
	}
	return db.InTx(ctx, func(tx *store.Tx) error {
		for start := 0; start < len(keys); start += maxRowsPerStatement {
			end := min(start+maxRowsPerStatement, len(keys))
			var sql strings.Builder
			sql.WriteString("INSERT INTO access_log (at, subject, operation, entity, entity_id, fields) VALUES ")
			args := make([]any, 0, 6*(end-start))
			for i := start; i < end; i++ {
				if i > start {
					sql.WriteString(", ")
				}
				sql.WriteString("(?, ?, ?, ?, ?, ?)")
				args = append(args, at, subject, operation, keys[i].entity, keys[i].id, fields[i])
			}
			if _, err := tx.Exec(ctx, sql.String(), args...); err != nil {
				return fmt.Errorf("write access log: %w", err)
			}
		}
		return nil
	})
}

// Extension is the gqlgen handler extension that gives every operation a
// log and writes it before the response is sent.
type Extension struct {
	DB  *store.DB
	Now func() time.Time
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = Extension{}

func (Extension) ExtensionName() string                   { return "AccessLog" }
func (Extension) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse runs the operation with a log and writes the log once
// the whole response is resolved. If it cannot be written the data is
// withheld: the client gets an INTERNAL error instead (UNAVAILABLE when the
// database cannot take the write now, see store.IsUnavailable).
func (e Extension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	ctx, l := With(ctx)
	resp := next(ctx)
	if resp == nil || l.Len() == 0 {
		return resp
	}
	// Every read must be logged each time it happens: never replay it.
	respcache.DoNotStore(ctx)
	op := ""
	if graphql.HasOperationContext(ctx) {
		// The operation's own name; the request's operationName may be absent.
		if oc := graphql.GetOperationContext(ctx); oc.Operation != nil && oc.Operation.Name != "" {
			op = oc.Operation.Name
		} else {
			op = oc.OperationName
		}
	}
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	if err := l.Write(context.WithoutCancel(ctx), e.DB, auth.From(ctx), op, now()); err != nil {
		slog.ErrorContext(ctx, "access log not written; response withheld", "err", err)
		code, msg := apperr.Internal, "internal error: the read of personal data could not be recorded"
		if store.IsUnavailable(err) {
			// The database is unreachable, or SQLite's disk takes no
			// writes now: the same read succeeds once that passes.
			code, msg = apperr.Unavailable, "the read of personal data could not be recorded: "+apperr.MessageOf(err)
		}
		return &graphql.Response{Errors: gqlerror.List{{
			Message:    msg,
			Extensions: map[string]any{"code": string(code)},
		}}}
	}
	return resp
}
