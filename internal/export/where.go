package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/store"
)

// The where parameter is the JSON of a GraphQL <Type>Where input. gqlgen
// would validate it against the schema and hand the translator Go values
// (typed lists, store.Date, time.Time, ids and enums as strings); here the
// catalog, which graph's tests hold equal to the schema, plays the schema's
// part, so that query.Condition gets the same shapes from a URL as from
// GraphQL. Anything gqlgen would refuse is BAD_USER_INPUT.

// decodeJSON decodes a parameter as gqlgen decodes request variables:
// numbers kept as written.
func decodeJSON(param, text string) (any, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, apperr.Invalid("%s is not valid JSON: %v", param, err)
	}
	if dec.More() {
		return nil, apperr.Invalid("%s holds more than one JSON value", param)
	}
	return v, nil
}

// parseWhere shapes the where parameter of type e; "" is no condition.
func parseWhere(e *store.Entity, text string) (map[string]any, error) {
	if text == "" {
		return nil, nil
	}
	raw, err := decodeJSON("where", text)
	if err != nil {
		return nil, err
	}
	return shapeWhere(e, raw, e.Name+"Where")
}

// shapeWhere shapes one <Type>Where object; path names it in errors.
func shapeWhere(e *store.Entity, raw any, path string) (map[string]any, error) {
	if raw == nil {
		return nil, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, apperr.Invalid("%s: want an object", path)
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		at := path + "." + k
		var err error
		switch {
		case k == "and" || k == "or":
			out[k], err = shapeWhereList(e, v, at)
		case k == "not":
			out[k], err = shapeWhere(e, v, at)
		case k == "withinRegion":
			if e.PathColumn == "" {
				return nil, apperr.Invalid("%s: %s hangs from no region", at, e.Name)
			}
			if v != nil {
				out[k], err = scalar(store.ID, v, at)
			}
		default:
			err = shapeField(e, out, k, v, at)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// shapeField shapes a relation's nested where or a field's typed filter.
func shapeField(e *store.Entity, out map[string]any, k string, v any, at string) error {
	if r, ok := e.Relations[k]; ok {
		sub, err := shapeWhere(store.Catalog[r.Target], v, at)
		out[k] = sub // an explicit null means "has none"
		return err
	}
	if m, ok := e.Many[k]; ok {
		if v == nil {
			return nil
		}
		sub, err := shapeWhere(store.Catalog[m.Target], v, at)
		out[k] = sub
		return err
	}
	fld, ok := e.Fields[k]
	if !ok {
		return apperr.Invalid("%s: %sWhere has no field %q", at, e.Name, k)
	}
	if v == nil {
		return nil
	}
	ops, ok := v.(map[string]any)
	if !ok {
		return apperr.Invalid("%s: want a filter object", at)
	}
	filter := make(map[string]any, len(ops))
	for op, x := range ops {
		if x == nil {
			continue
		}
		shaped, err := shapeOp(fld.Type, op, x, at+"."+op)
		if err != nil {
			return err
		}
		if fld.Type == store.Enum || fld.Type == store.RoleList {
			if err := checkEnum(ingest.EnumValues(e.Name, k), shaped, at+"."+op); err != nil {
				return err
			}
		}
		filter[op] = shaped
	}
	out[k] = filter
	return nil
}

func shapeWhereList(e *store.Entity, v any, at string) ([]map[string]any, error) {
	if v == nil {
		return nil, nil
	}
	items, ok := v.([]any)
	if !ok {
		items = []any{v} // GraphQL coerces a single value to a list of one
	}
	out := make([]map[string]any, 0, len(items))
	for i, it := range items {
		if it == nil {
			return nil, apperr.Invalid("%s[%d]: null is not allowed", at, i)
		}
		w, err := shapeWhere(e, it, fmt.Sprintf("%s[%d]", at, i))
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// operators lists the operators of each field type's filter input.
var operators = map[store.FieldType]map[string]bool{
	store.String:    set("eq", "neq", "in", "notIn", "contains", "startsWith", "isNull"),
	store.Int:       set("eq", "neq", "in", "gt", "gte", "lt", "lte", "isNull"),
	store.Float:     set("eq", "neq", "in", "gt", "gte", "lt", "lte", "isNull"),
	store.DateField: set("eq", "neq", "in", "gt", "gte", "lt", "lte", "isNull"),
	store.TimeField: set("eq", "neq", "in", "gt", "gte", "lt", "lte", "isNull"),
	store.Boolean:   set("eq"),
	store.ID:        set("eq", "in"),
	store.Enum:      set("eq", "neq", "in", "notIn", "isNull"),
	store.RoleList:  set("has", "hasAny", "hasAll"),
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// shapeOp shapes one operator's value: a list for in/notIn/hasAny/hasAll,
// a Boolean for isNull, else a value of the field's type.
func shapeOp(t store.FieldType, op string, v any, at string) (any, error) {
	if !operators[t][op] {
		return nil, apperr.Invalid("%s: the filter has no operator %q", at, op)
	}
	switch op {
	case "isNull":
		return scalar(store.Boolean, v, at)
	case "in", "notIn", "hasAny", "hasAll":
		return list(t, v, at)
	case "has":
		return scalar(store.String, v, at)
	}
	return scalar(t, v, at)
}

// list shapes a list as gqlgen types it: []string, []int, []float64,
// []store.Date, []*time.Time; a single value is a list of one.
func list(t store.FieldType, v any, at string) (any, error) {
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	var (
		strs  []string
		ints  []int
		nums  []float64
		dates []store.Date
		times []*time.Time
	)
	for i, it := range items {
		x, err := scalar(t, it, fmt.Sprintf("%s[%d]", at, i))
		if err != nil {
			return nil, err
		}
		switch y := x.(type) {
		case string:
			strs = append(strs, y)
		case int:
			ints = append(ints, y)
		case float64:
			nums = append(nums, y)
		case store.Date:
			dates = append(dates, y)
		case time.Time:
			times = append(times, &y)
		default:
			return nil, apperr.Invalid("%s: a list of %T is not allowed", at, x)
		}
	}
	switch t {
	case store.Int:
		return nonNil(ints), nil
	case store.Float:
		return nonNil(nums), nil
	case store.DateField:
		return nonNil(dates), nil
	case store.TimeField:
		return nonNil(times), nil
	}
	return nonNil(strs), nil
}

// nonNil keeps an empty list a list: the translator reads nil as "no
// condition" and [] as "matches nothing".
func nonNil[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

// scalar shapes one value of a field type as gqlgen's unmarshallers do.
func scalar(t store.FieldType, v any, at string) (any, error) {
	if v == nil {
		return nil, apperr.Invalid("%s: null is not allowed here", at)
	}
	str, isStr := v.(string)
	num, isNum := v.(json.Number)
	switch t {
	case store.String, store.Enum, store.RoleList:
		if isStr {
			return str, nil
		}
	case store.ID:
		if isStr {
			return str, nil
		}
		if isNum {
			return string(num), nil
		}
	case store.Int:
		if n, err := num.Int64(); isNum && err == nil && n >= math.MinInt32 && n <= math.MaxInt32 {
			return int(n), nil
		}
		return nil, apperr.Invalid("%s: want an Int (a signed 32-bit integer)", at)
	case store.Float:
		if f, err := num.Float64(); isNum && err == nil {
			return f, nil
		}
	case store.Boolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case store.DateField:
		if d, err := store.ParseDate(str); isStr && err == nil {
			return d, nil
		}
		return nil, apperr.Invalid("%s: want a Date (YYYY-MM-DD)", at)
	case store.TimeField:
		if tm, err := store.ParseTime(str); isStr && err == nil {
			return tm, nil
		}
		return nil, apperr.Invalid("%s: want a Time (RFC 3339 with offset)", at)
	}
	return nil, apperr.Invalid("%s: unexpected value %v", at, v)
}

// checkEnum refuses an enum value the schema does not define, as gqlgen
// would, rather than let it match nothing.
func checkEnum(allowed []string, v any, at string) error {
	if allowed == nil {
		return nil
	}
	var vals []string
	switch x := v.(type) {
	case string:
		vals = []string{x}
	case []string:
		vals = x
	default:
		return nil // isNull
	}
	for _, s := range vals {
		if !slices.Contains(allowed, s) {
			return apperr.Invalid("%s: %q is not one of %s", at, s, strings.Join(allowed, ", "))
		}
	}
	return nil
}
