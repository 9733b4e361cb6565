package graph

import (
	"bytes"
	"context"
	"fmt"
	"reflect"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// run is one root field's direct execution: it walks the selections,
// resolving each field on the request's goroutine, and appends the answer's
// JSON to buf. Anything it cannot do ends it with a bail (a panic that
// Direct.execute recovers), and gqlgen answers the root field instead.
type run struct {
	d     *Direct
	ctx   context.Context
	op    *graphql.OperationContext
	buf   bytes.Buffer
	plans map[planKey]*objectPlan
}

// bail abandons a direct execution. A static one is about the document or
// the Go types (a field Direct cannot bind, a scalar it does not know) and
// would recur on every request of the same document; any other (a resolver's
// error, a null where the schema forbids one) is about this request.
type bail struct {
	static bool
	why    string
}

func (r *run) bail(static bool, format string, args ...any) {
	panic(bail{static: static, why: fmt.Sprintf(format, args...)})
}

// planKey names the plan of a selection set on an object type and a Go type.
// A selection set is named by its first element: the same document gives the
// same slice to every object it selects on.
type planKey struct {
	first  *ast.Selection
	n      int
	object string
	goType reflect.Type
}

// objectPlan is the fields an object writes, in order.
type objectPlan struct{ fields []*fieldPlan }

// fieldPlan is one field of an object plan, with its arguments coerced once
// for all the objects it is read from.
type fieldPlan struct {
	field    graphql.CollectedField
	def      *ast.FieldDefinition
	key      []byte // `"alias":`, after a comma unless the field comes first
	typename bool   // __typename
	bind     *binding
	args     []reflect.Value // in the binding's parameter order
	argMap   map[string]any  // the same by name, for the field context
	in       []reflect.Value // a call's parameters, reused call after call
	ctx      reflect.Value   // the context calls get, made on first use
	named    *ast.Definition // the field's type, lists unwrapped

	// The Go type of the field's last scalar value, and whether it
	// marshals itself.
	scalarType reflect.Type
	marshaler  bool
}

// objectPlan returns the plan of sel on object for values of goType.
func (r *run) objectPlan(object *ast.Definition, goType reflect.Type, sel ast.SelectionSet) *objectPlan {
	k := planKey{object: object.Name, goType: goType, n: len(sel)}
	if len(sel) > 0 {
		k.first = &sel[0]
	}
	if p, ok := r.plans[k]; ok {
		return p
	}
	fields := graphql.CollectFields(r.op, sel, r.d.implementors[object.Name])
	p := &objectPlan{fields: r.plan(object, goType, fields)}
	r.plans[k] = p
	return p
}

// plan binds collected fields and coerces their arguments.
func (r *run) plan(object *ast.Definition, goType reflect.Type, fields []graphql.CollectedField) []*fieldPlan {
	out := make([]*fieldPlan, len(fields))
	for i, f := range fields {
		if f.IsDeferred() {
			r.bail(true, "@defer")
		}
		fp := &fieldPlan{field: f}
		var key bytes.Buffer
		if i > 0 {
			key.WriteByte(',')
		}
		writeQuoted(&key, f.Alias)
		key.WriteByte(':')
		fp.key = key.Bytes()
		out[i] = fp
		if f.Name == "__typename" {
			fp.typename = true
			continue
		}
		fp.def = object.Fields.ForName(f.Name)
		if fp.def == nil || f.Definition == nil || len(f.Directives) > 0 && !onlySkipInclude(f.Directives) {
			r.bail(true, "field %s.%s", object.Name, f.Name)
		}
		if fp.named = r.d.schema.Types[fp.def.Type.Name()]; fp.named == nil {
			r.bail(true, "unknown type %s", fp.def.Type.Name())
		}
		fp.bind = r.d.bind(object, goType, fp.def)
		if fp.bind == nil {
			r.bail(true, "cannot bind %s.%s on %s", object.Name, f.Name, goType)
		}
		r.coerce(fp)
		fp.in = make([]reflect.Value, 0, 3+len(fp.args))
	}
	return out
}

func onlySkipInclude(ds ast.DirectiveList) bool {
	for _, d := range ds {
		if d.Name != "skip" && d.Name != "include" {
			return false
		}
	}
	return true
}

// resolve reads one field of obj (a pointer to the model; the resolver
// itself for root fields).
func (r *run) resolve(fp *fieldPlan, obj reflect.Value, object string) reflect.Value {
	b := fp.bind
	if b.how == byMapKey {
		return r.mapValue(fp, obj)
	}
	if b.how == byField {
		v := obj.Elem()
		for j, x := range b.index {
			if j > 0 && v.Kind() == reflect.Pointer {
				if v.IsNil() {
					r.bail(false, "nil embedded struct")
				}
				v = v.Elem()
			}
			v = v.Field(x)
		}
		return v
	}
	in := fp.in[:0]
	if b.how == byResolver {
		in = append(in, b.recv)
	} else {
		in = append(in, obj)
	}
	if b.ctx {
		if !fp.ctx.IsValid() {
			// One field context for all the objects the field is read
			// from: Direct gives it no parent or index (nothing reads them
			// but the error path, which is gqlgen's), so it is the same
			// for each.
			fc := &graphql.FieldContext{
				Object: object, Field: fp.field, Args: fp.argMap,
				IsMethod: true, IsResolver: b.how == byResolver,
			}
			fp.ctx = reflect.ValueOf(graphql.WithFieldContext(r.ctx, fc))
		}
		in = append(in, fp.ctx)
	}
	if b.obj {
		in = append(in, obj)
	}
	in = append(in, fp.args...)
	out := b.fn.Call(in)
	clear(in) // keep nothing alive through the reused slice
	if b.errOut && !out[1].IsNil() {
		r.bail(false, "%s.%s: %v", object, fp.field.Name, out[1].Interface())
	}
	return out[0]
}

// value writes v, read for the field fp, as a value of GraphQL type t (the
// field's type or, inside lists, its elements'); the zero Value is null.
func (r *run) value(fp *fieldPlan, t *ast.Type, v reflect.Value) {
	if !v.IsValid() {
		r.null(t)
		return
	}
	for v.Kind() == reflect.Interface {
		if v.IsNil() {
			r.null(t)
			return
		}
		v = v.Elem()
	}
	if t.Elem != nil {
		r.list(fp, t, v)
		return
	}
	def := fp.named
	switch def.Kind {
	case ast.Scalar, ast.Enum:
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				r.null(t)
				return
			}
			v = v.Elem()
		}
		if v.Type() != fp.scalarType {
			// Decided once per field and Go type: whether the type
			// marshals itself is a costly question to ask of every value.
			fp.scalarType, fp.marshaler = v.Type(), v.Type().Implements(marshalerType)
		}
		if fp.marshaler {
			v.Interface().(graphql.Marshaler).MarshalGQL(&r.buf)
			return
		}
		if b := writeScalar(&r.buf, def, v); b != nil {
			panic(*b)
		}
	case ast.Object:
		r.object(fp, t, def, v)
	case ast.Interface, ast.Union:
		if v.Kind() == reflect.Pointer && v.IsNil() {
			r.null(t)
			return
		}
		r.object(fp, t, r.concrete(def, v), v)
	default:
		r.bail(true, "type %s of kind %s", def.Name, def.Kind)
	}
}

// null writes null, where the schema allows it.
func (r *run) null(t *ast.Type) {
	if t.NonNull {
		r.bail(false, "null for %s", t)
	}
	r.buf.WriteString("null")
}

// list writes a slice. A nil slice is null where the list may be null and
// empty where it may not, as gqlgen's generated marshalers have it.
func (r *run) list(fp *fieldPlan, t *ast.Type, v reflect.Value) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			r.null(t)
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Slice {
		r.bail(true, "a %s for the list %s", v.Type(), t)
	}
	if v.IsNil() && !t.NonNull {
		r.buf.WriteString("null")
		return
	}
	r.buf.WriteByte('[')
	for i := range v.Len() {
		if i > 0 {
			r.buf.WriteByte(',')
		}
		r.value(fp, t.Elem, v.Index(i))
	}
	r.buf.WriteByte(']')
}

// object writes the fields fp selects of an object, given as a pointer to
// its model or as the model itself.
func (r *run) object(fp *fieldPlan, t *ast.Type, def *ast.Definition, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			r.null(t)
			return
		}
	case reflect.Map:
		if v.IsNil() {
			r.null(t)
			return
		}
	case reflect.Struct:
		if v.CanAddr() {
			v = v.Addr()
		} else {
			p := reflect.New(v.Type())
			p.Elem().Set(v)
			v = p
		}
	default:
		r.bail(true, "a %s for the object %s", v.Type(), def.Name)
	}
	plan := r.objectPlan(def, v.Type(), fp.field.Selections)
	r.buf.WriteByte('{')
	for _, f := range plan.fields {
		r.buf.Write(f.key)
		if f.typename {
			writeQuoted(&r.buf, def.Name)
			continue
		}
		r.value(f, f.def.Type, r.resolve(f, v, def.Name))
	}
	r.buf.WriteByte('}')
}

// concrete is the object type of a value of an interface or union: the
// object type named like its Go type, as gqlgen.yml maps them.
func (r *run) concrete(abstract *ast.Definition, v reflect.Value) *ast.Definition {
	t := v.Type()
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	def := r.d.schema.Types[t.Name()]
	if def == nil || def.Kind != ast.Object {
		r.bail(true, "no object type for %s in %s", v.Type(), abstract.Name)
	}
	for _, p := range r.d.schema.GetPossibleTypes(abstract) {
		if p == def {
			return def
		}
	}
	r.bail(true, "%s is not a %s", def.Name, abstract.Name)
	return nil
}

// mapValue reads a field of a map model (an aggregate's sums, say). As in
// gqlgen's generated code, the value must be the scalar's Go type or a
// pointer to it (an absent or nil one is null); anything else is an error,
// which gqlgen reports.
func (r *run) mapValue(fp *fieldPlan, m reflect.Value) reflect.Value {
	v := m.MapIndex(reflect.ValueOf(fp.field.Name))
	if !v.IsValid() || v.IsNil() {
		return reflect.Value{}
	}
	v = v.Elem()
	want := scalarGoType(fp.named)
	if fp.def.Type.Elem != nil || want == nil {
		r.bail(true, "the %s field %s of a map model", fp.def.Type, fp.field.Name)
	}
	if v.Type() != want && v.Type() != reflect.PointerTo(want) {
		r.bail(false, "unexpected type %s for field %s", v.Type(), fp.field.Name)
	}
	return v
}
