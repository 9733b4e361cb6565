package graph

import (
	"bytes"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/civicgraph/civicgraph/graph/scalar"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/vektah/gqlparser/v2/ast"
)

// Scalars are written byte for byte as gqlgen's marshalers write them
// (graphql.MarshalString, MarshalInt, MarshalFloatContext, MarshalBoolean,
// MarshalID and the scalar package's Date and Time), without the closure
// each of those allocates per value. TestDirectScalarsAsGQLGen holds them
// to that.

var (
	timeType        = reflect.TypeFor[time.Time]()
	dateType        = reflect.TypeFor[store.Date]()
	marshalerType   = reflect.TypeFor[graphql.Marshaler]()
	unmarshalerType = reflect.TypeFor[graphql.Unmarshaler]()
)

// scalarGoType is the Go type gqlgen.yml binds a scalar or an enum to
// (nil for any other type), which map models must hold.
func scalarGoType(def *ast.Definition) reflect.Type {
	switch {
	case def == nil:
		return nil
	case def.Kind == ast.Enum, def.Name == "String", def.Name == "ID":
		return reflect.TypeFor[string]()
	case def.Name == "Int":
		return reflect.TypeFor[int]()
	case def.Name == "Float":
		return reflect.TypeFor[float64]()
	case def.Name == "Boolean":
		return reflect.TypeFor[bool]()
	case def.Name == "Date":
		return dateType
	case def.Name == "Time":
		return timeType
	}
	return nil
}

// writeScalar writes v, a non-pointer Go value, as the scalar or enum def.
// (A Go type with a marshaler of its own, a generated enum, writes itself,
// as gqlgen has it do: the caller sees to that.)
func writeScalar(buf *bytes.Buffer, def *ast.Definition, v reflect.Value) *bail {
	switch {
	case def.Kind == ast.Enum, def.Name == "String", def.Name == "ID":
		if v.Kind() == reflect.String && v.Type() != dateType {
			writeQuoted(buf, v.String())
			return nil
		}
	case def.Name == "Int":
		switch v.Kind() {
		case reflect.Int, reflect.Int64, reflect.Int32:
			buf.Write(strconv.AppendInt(buf.AvailableBuffer(), v.Int(), 10))
			return nil
		}
	case def.Name == "Float":
		if v.Kind() == reflect.Float64 {
			f := v.Float()
			if math.IsInf(f, 0) || math.IsNaN(f) {
				return &bail{why: "an infinite or NaN Float"}
			}
			buf.Write(strconv.AppendFloat(buf.AvailableBuffer(), f, 'g', -1, 64))
			return nil
		}
	case def.Name == "Boolean":
		if v.Kind() == reflect.Bool {
			buf.WriteString(strconv.FormatBool(v.Bool()))
			return nil
		}
	case def.Name == "Date":
		if v.Type() == dateType {
			if d := v.String(); plainASCII(d) {
				// strconv.Quote, which scalar.MarshalDate uses, adds
				// only the quotes to such text.
				buf.WriteByte('"')
				buf.WriteString(d)
				buf.WriteByte('"')
			} else {
				scalar.MarshalDate(store.Date(d)).MarshalGQL(buf)
			}
			return nil
		}
	case def.Name == "Time":
		if v.Type() == timeType {
			// As scalar.MarshalTime: RFC 3339 in Shanghai's offset, quoted
			// (the format's characters need no escaping).
			var scratch [40]byte
			t, _ := reflect.TypeAssert[time.Time](v)
			b := t.In(store.Shanghai).AppendFormat(scratch[:0], time.RFC3339Nano)
			buf.WriteByte('"')
			buf.Write(b)
			buf.WriteByte('"')
			return nil
		}
	}
	return &bail{static: true, why: "a " + v.Type().String() + " for the scalar " + def.Name}
}

// plainASCII reports whether s is printable ASCII without quote or
// backslash: text that strconv.Quote only wraps in quotes.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789ABCDEF"

// writeQuoted writes s as a JSON string exactly as gqlgen's
// writeQuotedString does: only control characters, backslash and quote
// are escaped; everything else, invalid UTF-8 included, is copied.
func writeQuoted(buf *bytes.Buffer, s string) {
	start := 0
	buf.WriteByte('"')
	for i, c := range s {
		if c < 0x20 || c == '\\' || c == '"' {
			buf.WriteString(s[start:i])
			switch c {
			case '\t':
				buf.WriteString(`\t`)
			case '\r':
				buf.WriteString(`\r`)
			case '\n':
				buf.WriteString(`\n`)
			case '\\':
				buf.WriteString(`\\`)
			case '"':
				buf.WriteString(`\"`)
			default:
				buf.WriteString(`\u00`)
				buf.WriteByte(hexDigits[c>>4])
				buf.WriteByte(hexDigits[c&0xf])
			}
			start = i + 1
		}
	}
	buf.WriteString(s[start:])
	buf.WriteByte('"')
}
