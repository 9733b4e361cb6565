package query

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/civicgraph/civicgraph/internal/store"
)

// The fuzz tests feed the translator what gqlgen would hand it, not raw
// JSON: a where or orderBy reaches query only after gqlgen has validated it
// against the schema and unmarshalled it (optional scalars as pointers,
// lists as typed slices, Time lists as []*time.Time, enum values checked,
// defaults applied). A shaper does the same from the schema files, so the
// fuzzer explores exactly the inputs a client can send; graph's package
// cannot be imported here (it imports query).

// loadSchema parses graph/schema/*.graphqls.
func loadSchema(t testing.TB) *ast.Schema {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "graph", "schema", "*.graphqls"))
	if err != nil || len(files) == 0 {
		t.Fatalf("schema files: %v (found %d)", err, len(files))
	}
	var srcs []*ast.Source
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, &ast.Source{Name: name, Input: string(b)})
	}
	s, err := gqlparser.LoadSchema(srcs...)
	if err != nil {
		t.Fatalf("load schema: %v", err)
	}
	return s
}

// shaper turns JSON values into gqlgen's Go values for GraphQL input types.
type shaper struct {
	schema *ast.Schema
	// rename, when not nil, replaces every String and enum value by a name
	// of its own (the same value always by the same name), so that two
	// shapings of one input differ only in their text values.
	rename map[string]string
}

// decodeJSON decodes data as gqlgen decodes request variables.
func decodeJSON(data []byte) (any, bool) {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, false
	}
	return v, true
}

// where shapes a <Type>Where value; ok is false when gqlgen would refuse it.
func (s *shaper) where(typeName string, raw any) (map[string]any, bool) {
	if s.schema.Types[typeName+"Where"] == nil {
		return nil, false
	}
	return s.object(raw, typeName+"Where")
}

// orderBy shapes a [<Type>Order!] value; nil when the type has no order.
func (s *shaper) orderBy(typeName string, raw any) ([]map[string]any, bool) {
	if s.schema.Types[typeName+"Order"] == nil || raw == nil {
		return nil, raw == nil
	}
	v, ok := s.list(raw, ast.ListType(ast.NonNullNamedType(typeName+"Order", nil), nil))
	if !ok {
		return nil, false
	}
	out, _ := v.([]map[string]any)
	return out, true
}

// object shapes an input object. Unknown fields and fields whose value
// gqlgen would refuse are dropped rather than refusing the whole input, so
// that more of what the fuzzer writes becomes a valid input.
func (s *shaper) object(raw any, name string) (map[string]any, bool) {
	m, ok := raw.(map[string]any)
	def := s.schema.Types[name]
	if !ok || def == nil || def.Kind != ast.InputObject {
		return nil, false
	}
	out := make(map[string]any, len(m))
	for _, f := range def.Fields {
		v, present := m[f.Name]
		if !present {
			if f.DefaultValue != nil {
				out[f.Name] = f.DefaultValue.Raw // enum defaults (direction: ASC)
			} else if f.Type.NonNull {
				return nil, false
			}
			continue
		}
		g, ok := s.field(v, f.Type)
		if !ok {
			if f.Type.NonNull {
				return nil, false
			}
			continue
		}
		out[f.Name] = g
	}
	return out, true
}

// field shapes the value of an input object's field.
func (s *shaper) field(raw any, t *ast.Type) (any, bool) {
	if t.Elem != nil {
		return s.list(raw, t)
	}
	def := s.schema.Types[t.NamedType]
	if def == nil {
		return nil, false
	}
	if raw == nil {
		if t.NonNull {
			return nil, false
		}
		if def.Kind == ast.InputObject {
			return map[string]any(nil), true
		}
		return reflect.Zero(reflect.PointerTo(goType(def))).Interface(), true
	}
	if def.Kind == ast.InputObject {
		return s.object(raw, def.Name)
	}
	v, ok := s.scalar(raw, def)
	if !ok || t.NonNull {
		return v, ok
	}
	p := reflect.New(reflect.TypeOf(v))
	p.Elem().Set(reflect.ValueOf(v))
	return p.Interface(), true
}

// list shapes a list; a single value is a list of one, as GraphQL coerces.
func (s *shaper) list(raw any, t *ast.Type) (any, bool) {
	def := s.schema.Types[t.Elem.Name()]
	if def == nil {
		return nil, false
	}
	elemType := goType(def)
	if def.Kind == ast.InputObject {
		elemType = reflect.TypeFor[map[string]any]()
	} else if elemType == reflect.TypeFor[time.Time]() {
		elemType = reflect.TypeFor[*time.Time]() // gqlgen's [Time!] is []*time.Time
	}
	if raw == nil {
		if t.NonNull {
			return nil, false
		}
		return reflect.Zero(reflect.SliceOf(elemType)).Interface(), true
	}
	items, isList := raw.([]any)
	if !isList {
		items = []any{raw}
	}
	out := reflect.MakeSlice(reflect.SliceOf(elemType), 0, len(items))
	for _, it := range items {
		if it == nil {
			continue // [X!]: a null item is refused; drop it
		}
		var v any
		var ok bool
		if def.Kind == ast.InputObject {
			v, ok = s.object(it, def.Name)
		} else {
			v, ok = s.scalar(it, def)
			if ok && elemType.Kind() == reflect.Pointer {
				p := reflect.New(elemType.Elem())
				p.Elem().Set(reflect.ValueOf(v))
				v = p.Interface()
			}
		}
		if ok {
			out = reflect.Append(out, reflect.ValueOf(v))
		}
	}
	return out.Interface(), true
}

// scalar shapes an enum or scalar value as gqlgen's unmarshallers do
// (graph/scalar for Date and Time).
func (s *shaper) scalar(raw any, def *ast.Definition) (any, bool) {
	str, isStr := raw.(string)
	num, isNum := raw.(json.Number)
	if def.Kind == ast.Enum {
		if !isStr || def.EnumValues.ForName(str) == nil {
			return nil, false
		}
		return s.renamed(str), true
	}
	switch def.Name {
	case "String":
		return s.renamed(str), isStr
	case "ID":
		if isNum {
			return string(num), true
		}
		return str, isStr
	case "Int":
		n, err := num.Int64()
		return int(n), isNum && err == nil
	case "Float":
		f, err := num.Float64()
		return f, isNum && err == nil
	case "Boolean":
		b, ok := raw.(bool)
		return b, ok
	case "Date":
		d, err := store.ParseDate(str)
		return d, isStr && err == nil
	case "Time":
		tm, err := store.ParseTime(str)
		return tm, isStr && err == nil
	}
	return nil, false
}

func (s *shaper) renamed(v string) string {
	if s.rename == nil {
		return v
	}
	if r, ok := s.rename[v]; ok {
		return r
	}
	r := fmt.Sprintf("renamed%d", len(s.rename))
	s.rename[v] = r
	return r
}

// goType is the Go type gqlgen uses for a scalar or enum.
func goType(def *ast.Definition) reflect.Type {
	switch def.Name {
	case "Int":
		return reflect.TypeFor[int]()
	case "Float":
		return reflect.TypeFor[float64]()
	case "Boolean":
		return reflect.TypeFor[bool]()
	case "Date":
		return reflect.TypeFor[store.Date]()
	case "Time":
		return reflect.TypeFor[time.Time]()
	}
	return reflect.TypeFor[string]() // String, ID, enums
}
