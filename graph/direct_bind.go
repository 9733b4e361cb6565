package graph

import (
	"context"
	"reflect"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// How Direct reads a field from a Go value: the way gqlgen's generated code
// does, found by the same rules gqlgen binds with. A field is a resolver when
// the type's generated resolver interface has a method for it; otherwise it
// is a method of the model (preferred) or a struct field, named like the
// GraphQL field up to case and underscores.

// binding says how to read one field of one Go type.
type binding struct {
	how bindHow
	// fn is the function called, byResolver the resolver type's method and
	// byMethod the model's, each taking its receiver first (a method's
	// function, not a method value: reflect calls those more cheaply).
	fn     reflect.Value
	recv   reflect.Value  // byResolver: the resolver
	index  []int          // byField: the struct field, through embedded structs
	ctx    bool           // the call takes a context first
	obj    bool           // the call takes the object (a resolver of a non-root type)
	params []reflect.Type // the GraphQL arguments' Go types, in definition order
	errOut bool           // the call returns (value, error)
}

type bindHow int

const (
	byResolver bindHow = iota + 1
	byMethod
	byField
	byMapKey // a model that is a map[string]any: the field's value is under its name
)

// bindKey names a binding: a field of an object type read from a Go type
// (a pointer to the model).
type bindKey struct {
	object string
	goType reflect.Type
	field  string
}

var (
	contextType = reflect.TypeFor[context.Context]()
	errorType   = reflect.TypeFor[error]()
)

// bind returns how to read field of object from values of goType, or nil
// when Direct cannot (gqlgen then answers). Bindings are computed once per
// key and kept: they depend only on the schema and the Go types.
func (d *Direct) bind(object *ast.Definition, goType reflect.Type, field *ast.FieldDefinition) *binding {
	key := bindKey{object.Name, goType, field.Name}
	if b, ok := d.binds.Load(key); ok {
		return b.(*binding)
	}
	b := d.findBinding(object, goType, field)
	d.binds.Store(key, b)
	return b
}

func (d *Direct) findBinding(object *ast.Definition, goType reflect.Type, field *ast.FieldDefinition) *binding {
	if tr, ok := d.fieldResolvers[object.Name]; ok {
		if m, ok := methodNamed(tr.iface, field.Name); ok {
			impl, ok := tr.value.Type().MethodByName(m.Name)
			b := &binding{how: byResolver, fn: impl.Func, recv: tr.value}
			if !ok || !b.signature(impl.Type, 1, object.Name != d.rootName(), len(field.Arguments)) {
				return nil
			}
			return b
		}
	}
	if object.Name == d.rootName() {
		return nil // every root field is a resolver
	}
	if goType.Kind() == reflect.Map {
		if goType.Key().Kind() != reflect.String || goType.Elem().Kind() != reflect.Interface || len(field.Arguments) > 0 {
			return nil
		}
		return &binding{how: byMapKey}
	}
	if m, ok := methodNamed(goType, field.Name); ok {
		// A method's type includes its receiver.
		b := &binding{how: byMethod, fn: m.Func}
		if len(field.Arguments) > 0 || !b.signature(m.Type, 1, false, 0) {
			// gqlgen matches a method's parameters to arguments by name,
			// which reflection cannot see.
			return nil
		}
		return b
	}
	if goType.Kind() == reflect.Pointer && goType.Elem().Kind() == reflect.Struct && len(field.Arguments) == 0 {
		if f, ok := goType.Elem().FieldByNameFunc(func(n string) bool { return sameName(n, field.Name) }); ok && f.IsExported() {
			return &binding{how: byField, index: f.Index}
		}
	}
	return nil
}

// signature reads a call's shape from its type: skip leading parameters
// (a method's receiver), then a context, then the object when withObj, then
// nargs arguments; the result is a value or a value and an error.
func (b *binding) signature(t reflect.Type, skip int, withObj bool, nargs int) bool {
	in := skip
	if in < t.NumIn() && t.In(in) == contextType {
		b.ctx = true
		in++
	}
	if withObj {
		if in >= t.NumIn() {
			return false
		}
		b.obj = true
		in++
	}
	if t.NumIn()-in != nargs || t.IsVariadic() {
		return false
	}
	for ; in < t.NumIn(); in++ {
		b.params = append(b.params, t.In(in))
	}
	switch {
	case t.NumOut() == 1:
	case t.NumOut() == 2 && t.Out(1) == errorType:
		b.errOut = true
	default:
		return false
	}
	return true
}

// rootName is the query type's name.
func (d *Direct) rootName() string {
	if d.schema.Query == nil {
		return ""
	}
	return d.schema.Query.Name
}

// methodNamed finds the exported method of t named like a GraphQL field.
func methodNamed(t reflect.Type, field string) (reflect.Method, bool) {
	var found reflect.Method
	n := 0
	for i := range t.NumMethod() {
		if m := t.Method(i); m.IsExported() && sameName(m.Name, field) {
			found = m
			n++
		}
	}
	return found, n == 1
}

// sameName compares a Go name with a GraphQL name as gqlgen's binder does:
// ignoring case and underscores.
func sameName(goName, field string) bool {
	return strings.EqualFold(strings.ReplaceAll(goName, "_", ""), strings.ReplaceAll(field, "_", ""))
}
