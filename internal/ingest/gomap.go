package ingest

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// ImportLines receives lines as Go maps, not text. fromMap turns a map into
// the rawObject a parsed text line would give, so that both go through the
// one decoder and are held to the same rules: a Go int is a JSON number, a
// []string a list, and anything else (a store.Date, a time.Time, a named
// string type) is what encoding/json would make of it.

// fromMap converts m into o.
func fromMap(m map[string]any, o *rawObject) error {
	o.reset()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // so that the first bad field reported does not vary
	for _, k := range keys {
		v, err := goValue(m[k], 0)
		if err != nil {
			return fmt.Errorf("field %q: %w", k, err)
		}
		o.keys = append(o.keys, []byte(k))
		o.vals = append(o.vals, v)
	}
	return nil
}

func goValue(v any, depth int) (rawValue, error) {
	if depth > maxDepth {
		return rawValue{}, fmt.Errorf("nested too deeply")
	}
	switch x := v.(type) {
	case nil:
		return rawValue{kind: jNull}, nil
	case string:
		return rawValue{kind: jString, str: x}, nil
	case bool:
		return rawValue{kind: jBool, b: x}, nil
	case int:
		return number(strconv.AppendInt(nil, int64(x), 10)), nil
	case int32:
		return number(strconv.AppendInt(nil, int64(x), 10)), nil
	case int64:
		return number(strconv.AppendInt(nil, x, 10)), nil
	case uint32:
		return number(strconv.AppendUint(nil, uint64(x), 10)), nil
	case uint64:
		return number(strconv.AppendUint(nil, x, 10)), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return rawValue{}, fmt.Errorf("%v is not a JSON number", x)
		}
		return number(strconv.AppendFloat(nil, x, 'g', -1, 64)), nil
	case []string:
		out := rawValue{kind: jArray, items: make([]rawValue, len(x))}
		for i, s := range x {
			out.items[i] = rawValue{kind: jString, str: s}
		}
		return out, nil
	case []any:
		out := rawValue{kind: jArray, items: make([]rawValue, len(x))}
		for i, it := range x {
			var err error
			if out.items[i], err = goValue(it, depth+1); err != nil {
				return rawValue{}, err
			}
		}
		return out, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return rawValue{}, err
	}
	p := jsonParser{b: b}
	return p.value()
}

func number(b []byte) rawValue { return rawValue{kind: jNumber, num: b} }
