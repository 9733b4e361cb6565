package graph

import (
	"reflect"

	"github.com/99designs/gqlgen/graphql"
	"github.com/civicgraph/civicgraph/graph/scalar"
	"github.com/vektah/gqlparser/v2/ast"
)

// Direct coerces a field's arguments as gqlgen's generated argument code
// does: the raw values (literals and variables, defaults filled in) from
// the field, scalars through the same unmarshal functions, input objects
// through gqlgen's own generated unmarshalers (looked up by name in the
// request's context). An argument that fails to coerce bails out, and
// gqlgen reports it.

// coerce fills fp.args and fp.argMap.
func (r *run) coerce(fp *fieldPlan) {
	defs := fp.def.Arguments
	if len(defs) == 0 {
		return
	}
	raw := fp.field.ArgumentMap(r.op.Variables)
	fp.args = make([]reflect.Value, len(defs))
	fp.argMap = make(map[string]any, len(defs))
	for i, a := range defs {
		t := fp.bind.params[i]
		v := reflect.Zero(t) // an absent argument, as graphql.ProcessArgField has it
		if x, ok := raw[a.Name]; ok {
			v = r.argument(a.Type, x, t)
		}
		fp.args[i], fp.argMap[a.Name] = v, v.Interface()
	}
}

// argument coerces a raw value of GraphQL type t to the Go type goType.
func (r *run) argument(t *ast.Type, raw any, goType reflect.Type) reflect.Value {
	if t.Elem != nil {
		if goType.Kind() != reflect.Slice {
			r.bail(true, "a %s for the list argument %s", goType, t)
		}
		if raw == nil {
			return reflect.Zero(goType)
		}
		items := graphql.CoerceList(raw)
		out := reflect.MakeSlice(goType, len(items), len(items))
		for i, item := range items {
			out.Index(i).Set(r.argument(t.Elem, item, goType.Elem()))
		}
		return out
	}
	def := r.d.schema.Types[t.NamedType]
	if def == nil {
		r.bail(true, "unknown argument type %s", t.NamedType)
	}
	if def.Kind == ast.InputObject {
		p := reflect.New(goType)
		if err := graphql.UnmarshalNamedInputFromContext(r.ctx, def.Name, raw, p.Interface()); err != nil {
			r.bail(false, "argument of type %s: %v", def.Name, err)
		}
		return p.Elem()
	}
	if def.Kind != ast.Scalar && def.Kind != ast.Enum {
		r.bail(true, "argument type %s of kind %s", def.Name, def.Kind)
	}
	if goType.Kind() == reflect.Pointer {
		if raw == nil {
			return reflect.Zero(goType)
		}
		p := reflect.New(goType.Elem())
		p.Elem().Set(r.scalarArgument(def, raw, goType.Elem()))
		return p
	}
	if raw == nil {
		r.bail(false, "null for the %s argument of Go type %s", def.Name, goType)
	}
	return r.scalarArgument(def, raw, goType)
}

// scalarArgument unmarshals a scalar or enum argument with the function
// gqlgen's generated code uses for it.
func (r *run) scalarArgument(def *ast.Definition, raw any, goType reflect.Type) reflect.Value {
	if reflect.PointerTo(goType).Implements(unmarshalerType) {
		// A Go type with an unmarshaler of its own (a generated enum).
		p := reflect.New(goType)
		if err := p.Interface().(graphql.Unmarshaler).UnmarshalGQL(raw); err != nil {
			r.bail(false, "argument of type %s: %v", def.Name, err)
		}
		return p.Elem()
	}
	var (
		v   any
		err error
	)
	switch {
	case def.Kind == ast.Enum || def.Name == "String":
		v, err = graphql.UnmarshalString(raw)
	case def.Name == "ID":
		v, err = graphql.UnmarshalID(raw)
	case def.Name == "Int":
		v, err = graphql.UnmarshalInt(raw)
	case def.Name == "Float":
		v, err = graphql.UnmarshalFloatContext(r.ctx, raw)
	case def.Name == "Boolean":
		v, err = graphql.UnmarshalBoolean(raw)
	case def.Name == "Date":
		v, err = scalar.UnmarshalDate(raw)
	case def.Name == "Time":
		v, err = scalar.UnmarshalTime(raw)
	default:
		r.bail(true, "argument scalar %s", def.Name)
	}
	if err != nil {
		r.bail(false, "argument of type %s: %v", def.Name, err)
	}
	rv := reflect.ValueOf(v)
	if rv.Type() != goType {
		r.bail(true, "argument %s as %s, not %s", def.Name, rv.Type(), goType)
	}
	return rv
}
