package query

import (
	"math"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
)

// A value a client sends must be one both stores can take in the column it
// is compared with: what one store would take and the other fail on is
// refused here, as the client's error, so that the two give the same answer
// and no input becomes a database error. PostgreSQL text must be UTF-8
// without NUL (imports refuse anything else too, so no stored text is; a
// document sent with GET can carry any bytes), and Int columns are 32-bit,
// as GraphQL's Int is.

// checkValue checks the value of one operator (a scalar or a list) of a
// filter on the field key.
func checkValue(key string, fld store.Field, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		return checkScalar(key, fld.Type, v)
	}
	for i := 0; i < rv.Len(); i++ {
		if err := checkScalar(key, fld.Type, deref(rv.Index(i).Interface())); err != nil {
			return err
		}
	}
	return nil
}

func checkScalar(key string, t store.FieldType, v any) error {
	switch x := v.(type) {
	case string:
		if strings.IndexByte(x, 0) >= 0 {
			return apperr.Invalid("%s: a text value must not contain the NUL character (U+0000)", key)
		}
		if !utf8.ValidString(x) {
			return apperr.Invalid("%s: a text value must be valid UTF-8", key)
		}
	case int:
		if t == store.Int && (x < math.MinInt32 || x > math.MaxInt32) {
			return apperr.Invalid("%s: %d is out of range for Int (a signed 32-bit integer)", key, x)
		}
	}
	return nil
}

// MaxWhereDepth bounds how deeply a where input nests (each and/or/not
// item, relation filter and field filter is a level) and MaxWhereValues how
// many values it holds (every list item counts). The stores refuse deeper
// statements or many more parameters (SQLite: expressions 1000 deep, which
// about 23 nested relation subqueries reach, and 32766 parameters;
// PostgreSQL: 65535 parameters), which would otherwise be the server's
// error, not the client's.
const (
	MaxWhereDepth  = 16
	MaxWhereValues = 10000
)

// checkSize refuses a where input beyond MaxWhereDepth or MaxWhereValues.
func checkSize(w map[string]any) error {
	values := 0
	if err := whereSize(w, 1, &values); err != nil {
		return err
	}
	if values > MaxWhereValues {
		return apperr.Invalid("where holds %d values; at most %d are allowed", values, MaxWhereValues)
	}
	return nil
}

func whereSize(v any, depth int, values *int) error {
	switch x := deref(v).(type) {
	case nil:
	case map[string]any:
		if depth > MaxWhereDepth {
			return apperr.Invalid("where nests more than %d levels deep", MaxWhereDepth)
		}
		for _, y := range x {
			if err := whereSize(y, depth+1, values); err != nil {
				return err
			}
		}
	case []map[string]any:
		for _, y := range x {
			if err := whereSize(y, depth, values); err != nil {
				return err
			}
		}
	default:
		if rv := reflect.ValueOf(x); rv.Kind() == reflect.Slice {
			*values += rv.Len()
		} else {
			*values++
		}
	}
	return nil
}

// columnTypes is the field type of every column an order can name, for
// checking cursor values: a column name has one type in every table that
// has it (checked by TestColumnNamesHaveOneType).
var columnTypes = func() map[string]store.FieldType {
	out := map[string]store.FieldType{}
	for _, e := range store.Catalog {
		for _, f := range e.Fields {
			out[f.Column] = f.Type
		}
	}
	return out
}()

// cursorValue checks a value decoded from a cursor against its column's
// type and returns it as the translator binds values of that type. A
// cursor is the client's text: a forged one must not bind a value its
// column cannot take. Booleans come as 0/1 from SQLite and true/false from
// PostgreSQL; dates and times as text from either.
func cursorValue(column string, v any) (any, bool) {
	if v == nil {
		return nil, true
	}
	s, isText := v.(string)
	switch columnTypes[column] {
	case store.ID:
		n, ok := v.(int64)
		return n, ok
	case store.Int:
		n, ok := v.(int64)
		return n, ok && n >= math.MinInt32 && n <= math.MaxInt32
	case store.Float:
		switch n := v.(type) {
		case float64:
			return n, true
		case int64:
			return float64(n), true
		}
	case store.Boolean:
		switch b := v.(type) {
		case bool:
			return b, true
		case int64:
			return b == 1, b == 0 || b == 1
		}
	case store.String, store.Enum:
		return s, isText && strings.IndexByte(s, 0) < 0
	case store.DateField:
		if d, err := store.ToDate(s); isText && err == nil {
			if d, err = store.ParseDate(string(d)); err == nil {
				return d, true
			}
		}
	case store.TimeField:
		if t, err := store.ToTime(s); isText && err == nil {
			return t, true
		}
	}
	return nil, false
}
