package graph

import (
	"bytes"
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/civicgraph/civicgraph/graph/scalar"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestDirectScalarsAsGQLGen: Direct writes every scalar byte for byte as
// the marshaler gqlgen's generated code calls for it.
func TestDirectScalarsAsGQLGen(t *testing.T) {
	marshal := func(m graphql.Marshaler) []byte {
		var b bytes.Buffer
		m.MarshalGQL(&b)
		return b.Bytes()
	}
	check := func(def *ast.Definition, v any, want []byte) {
		t.Helper()
		var got bytes.Buffer
		if b := writeScalar(&got, def, reflect.ValueOf(v)); b != nil {
			t.Errorf("%s %#v: %s", def.Name, v, b.why)
			return
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s %#v: %s, gqlgen writes %s", def.Name, v, got.Bytes(), want)
		}
	}
	strings := []string{"", "社区", "a\"b\\c", "tab\there\nnl\rcr", "\x00\x01\x1f\x7f", "<b>&amp;</b>", "\u2028\u2029", "bad \xff\xfe utf8", "emoji 🏘️"}
	for _, s := range strings {
		check(&ast.Definition{Name: "String", Kind: ast.Scalar}, s, marshal(graphql.MarshalString(s)))
		check(&ast.Definition{Name: "ID", Kind: ast.Scalar}, s, marshal(graphql.MarshalID(s)))
		check(&ast.Definition{Name: "RegionLevel", Kind: ast.Enum}, s, marshal(graphql.MarshalString(s)))
		check(&ast.Definition{Name: "Date", Kind: ast.Scalar}, store.Date(s), marshal(scalar.MarshalDate(store.Date(s))))
	}
	check(&ast.Definition{Name: "Date", Kind: ast.Scalar}, store.Date("2024-07-01"), marshal(scalar.MarshalDate("2024-07-01")))
	for _, n := range []int{0, 1, -1, 42, math.MaxInt64, math.MinInt64} {
		check(&ast.Definition{Name: "Int", Kind: ast.Scalar}, n, marshal(graphql.MarshalInt(n)))
	}
	for _, f := range []float64{0, 1, -1.5, 0.1, 1e21, 1e-7, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64, 2.0 / 3} {
		var want bytes.Buffer
		if err := graphql.MarshalFloatContext(f).MarshalGQLContext(context.Background(), &want); err != nil {
			t.Fatal(err)
		}
		check(&ast.Definition{Name: "Float", Kind: ast.Scalar}, f, want.Bytes())
	}
	for _, b := range []bool{true, false} {
		check(&ast.Definition{Name: "Boolean", Kind: ast.Scalar}, b, marshal(graphql.MarshalBoolean(b)))
	}
	for _, tm := range []time.Time{
		time.Date(2024, 7, 1, 0, 0, 0, 0, store.Shanghai),
		time.Date(2024, 12, 31, 16, 0, 0, 123456789, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 29, 23, 59, 59, 1000, time.FixedZone("x", -3*3600-1800)),
	} {
		check(&ast.Definition{Name: "Time", Kind: ast.Scalar}, tm, marshal(scalar.MarshalTime(tm)))
	}
	// Infinite floats and unknown scalars are gqlgen's to report.
	if b := writeScalar(&bytes.Buffer{}, &ast.Definition{Name: "Float", Kind: ast.Scalar}, reflect.ValueOf(math.Inf(1))); b == nil || b.static {
		t.Error("an infinite Float must hand the field to gqlgen, for this request only")
	}
	if b := writeScalar(&bytes.Buffer{}, &ast.Definition{Name: "JSON", Kind: ast.Scalar}, reflect.ValueOf("x")); b == nil || !b.static {
		t.Error("an unknown scalar must hand the field to gqlgen for good")
	}
}
