package graph

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/civicgraph/civicgraph/graph/generated"
	"github.com/civicgraph/civicgraph/internal/accesslog"
	"github.com/vektah/gqlparser/v2/ast"
)

// Direct is the gqlgen extension that executes the root fields of queries
// itself. gqlgen's executor gives every field of the answer a field
// context, a path and a deferred group, and every element of an object list
// its own goroutine; for a list-heavy answer (20 communities, their
// alliances, 200 members and their organizations) that cost several times
// the SQL behind it. Direct resolves the same fields through the same
// resolvers, loaders and bindings, one after another on the request's
// goroutine, and writes the JSON as it goes with the scalars' own
// marshalers — the same bytes, a fraction of the work (bench/README.md).
//
// It handles what a read needs: objects, lists, interfaces and unions,
// fragments, aliases, @skip and @include, arguments (input objects coerced
// by gqlgen's own generated unmarshalers) and the schema's scalars. A root
// field it does not handle, or one that fails in any way (a resolver's
// error, a null in a non-null field, a panic), goes to gqlgen, which then
// answers exactly as it would have: its errors, paths and partial data are
// gqlgen's own. Such a retry reads through the same loaders, so it repeats
// no batched statement, and reads of personal data noted by the abandoned
// attempt are dropped (accesslog.Fork), so that only gqlgen's are logged.
//
// Use it as the last extension, so that every check (depth, complexity,
// allowlists, introspection) has run before it.
type Direct struct {
	schema *ast.Schema
	// fieldResolvers is, per object type with resolver fields (Query too),
	// its resolver (the value ResolverRoot.Community() returns, say) and
	// the generated interface that lists which fields are resolvers.
	fieldResolvers map[string]typeResolver
	// implementors is, per object type, the type conditions it satisfies:
	// its name, its interfaces and its unions (as gqlgen's generated code
	// lists them for field collection).
	implementors map[string][]string
	// verify runs gqlgen after every direct execution and panics when the
	// two disagree (tests; see NewDirect).
	verify bool

	binds sync.Map // bindKey -> *binding (nil: the field cannot be bound)

	mu      sync.Mutex
	refused map[*ast.Field]bool // root fields that use something Direct does not handle
}

// typeResolver is an object type's field resolver.
type typeResolver struct {
	value reflect.Value // e.g. *communityResolver
	iface reflect.Type  // e.g. generated.CommunityResolver
}

var _ interface {
	graphql.HandlerExtension
	graphql.RootFieldInterceptor
} = (*Direct)(nil)

// NewDirect returns the extension for the schema es and its resolvers.
// With verify, every root field Direct answers is also run by gqlgen and
// the two answers must be byte for byte the same (a panic says where they
// are not): for tests, which then check Direct against gqlgen on every
// query they send. Note that gqlgen's run repeats the root field's own
// statements.
func NewDirect(es graphql.ExecutableSchema, root generated.ResolverRoot, verify bool) *Direct {
	d := &Direct{
		schema:         es.Schema(),
		fieldResolvers: map[string]typeResolver{},
		implementors:   map[string][]string{},
		verify:         verify,
		refused:        map[*ast.Field]bool{},
	}
	rv := reflect.ValueOf(root)
	rootType := reflect.TypeFor[generated.ResolverRoot]()
	for i := range rootType.NumMethod() {
		m := rootType.Method(i)
		if m.Type.NumIn() != 0 || m.Type.NumOut() != 1 || m.Type.Out(0).Kind() != reflect.Interface {
			continue
		}
		v := rv.MethodByName(m.Name).Call(nil)[0]
		if v.IsNil() {
			continue
		}
		d.fieldResolvers[m.Name] = typeResolver{value: v.Elem(), iface: m.Type.Out(0)}
	}
	for name, def := range d.schema.Types {
		if def.Kind != ast.Object {
			continue
		}
		imps := append([]string{name}, def.Interfaces...)
		for _, u := range d.schema.Types {
			if u.Kind == ast.Union && containsString(u.Types, name) {
				imps = append(imps, u.Name)
			}
		}
		d.implementors[name] = imps
	}
	return d
}

// ExtensionName names the extension to gqlgen.
func (*Direct) ExtensionName() string { return "DirectExecution" }

// Validate accepts every schema.
func (*Direct) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptRootField answers a query's root field directly, or lets gqlgen
// do it.
func (d *Direct) InterceptRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	rfc := graphql.GetRootFieldContext(ctx)
	op := graphql.GetOperationContext(ctx)
	if rfc == nil || op == nil || op.Operation == nil || op.Operation.Operation != ast.Query || d.isRefused(rfc.Field.Field) {
		return next(ctx)
	}
	out, ok := d.execute(ctx, op, rfc)
	if !ok {
		return next(ctx)
	}
	if d.verify {
		return d.check(ctx, next, rfc, out)
	}
	return rawJSON(out)
}

// execute runs one root field into JSON, reporting false when gqlgen must
// answer instead.
func (d *Direct) execute(ctx context.Context, op *graphql.OperationContext, rfc *graphql.RootFieldContext) (out []byte, ok bool) {
	// Reads of personal data are noted in a log of this attempt's own and
	// kept only if it succeeds: gqlgen, retrying, notes its own.
	ctx, commit := accesslog.Fork(ctx)
	r := &run{d: d, ctx: ctx, op: op, plans: map[planKey]*objectPlan{}}
	defer func() {
		if p := recover(); p != nil {
			slog.DebugContext(ctx, "direct execution handed to gqlgen", "field", rfc.Field.Alias, "why", p)
			b, isBail := p.(bail)
			if !isBail && d.verify {
				// A resolver's panic is gqlgen's to report, but under test
				// one in Direct itself must not hide behind the retry.
				panic(fmt.Sprintf("direct execution of %s panicked: %v", rfc.Field.Alias, p))
			}
			if isBail && b.static {
				d.refuse(rfc.Field.Field)
			}
			out, ok = nil, false
		}
	}()
	// (rfc.Object is the root field's name, not its type's.)
	query, resolver := d.schema.Query, d.fieldResolvers[d.rootName()].value
	if query == nil || !resolver.IsValid() {
		return nil, false
	}
	fp := r.plan(query, resolver.Type(), []graphql.CollectedField{rfc.Field})[0]
	if fp.typename {
		return nil, false
	}
	v := r.resolve(fp, resolver, query.Name)
	r.value(fp, fp.def.Type, v)
	commit()
	return r.buf.Bytes(), true
}

// check runs gqlgen on the same root field and panics unless it answers
// what Direct did.
func (d *Direct) check(ctx context.Context, next graphql.RootResolver, rfc *graphql.RootFieldContext, direct []byte) graphql.Marshaler {
	errs := len(graphql.GetErrors(ctx))
	var buf bytes.Buffer
	next(ctx).MarshalGQL(&buf)
	if n := len(graphql.GetErrors(ctx)); n != errs {
		panic(fmt.Sprintf("direct execution of %s answered without errors, gqlgen with %d: %s", rfc.Field.Alias, n-errs, graphql.GetErrors(ctx)))
	}
	if !bytes.Equal(buf.Bytes(), direct) {
		at := 0
		for at < len(direct) && at < buf.Len() && direct[at] == buf.Bytes()[at] {
			at++
		}
		from := max(0, at-200)
		panic(fmt.Sprintf("direct execution of %s differs from gqlgen's at byte %d:\n direct: …%s\n gqlgen: …%s",
			rfc.Field.Alias, at, direct[from:min(len(direct), at+200)], buf.Bytes()[from:min(buf.Len(), at+200)]))
	}
	return rawJSON(buf.Bytes())
}

func (d *Direct) isRefused(f *ast.Field) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.refused[f]
}

// refuse remembers a root field that uses something Direct does not
// handle, so that later requests of the same (cached) document go straight
// to gqlgen. The set is dropped when it grows large: documents leave
// gqlgen's query cache, and their fields with them.
func (d *Direct) refuse(f *ast.Field) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.refused) >= 10_000 {
		clear(d.refused)
	}
	d.refused[f] = true
}

// rawJSON is an answer already written.
type rawJSON []byte

func (j rawJSON) MarshalGQL(w io.Writer) { _, _ = w.Write(j) }

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
