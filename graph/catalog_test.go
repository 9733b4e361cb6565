package graph_test

import (
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/graph/generated"
	"github.com/civicgraph/civicgraph/internal/store"
)

// filterTypes maps each catalog field type to the schema's filter input.
var filterTypes = map[store.FieldType]string{
	store.String: "StringFilter", store.Int: "IntFilter", store.Float: "FloatFilter", store.Boolean: "BooleanFilter",
	store.DateField: "DateFilter", store.TimeField: "TimeFilter", store.ID: "IDFilter", store.RoleList: "RoleListFilter",
}

// TestCatalogMatchesSchema checks that every where, order and aggregate field
// of the schema has its column in the store's catalog, with the right type,
// so the SQL translator can never meet a field it does not know.
func TestCatalogMatchesSchema(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	for name, e := range store.Catalog {
		where := schema.Types[name+"Where"]
		if where == nil {
			continue // types without a connection have no where
		}
		for _, f := range where.Fields {
			typ := f.Type.Name()
			switch {
			case f.Name == "and" || f.Name == "or" || f.Name == "not":
				if typ != name+"Where" {
					t.Errorf("%sWhere.%s has type %s", name, f.Name, typ)
				}
			case f.Name == "withinRegion":
				if e.PathColumn == "" {
					t.Errorf("%sWhere.withinRegion but %s has no region path", name, name)
				}
			case e.Relations[f.Name].Target != "":
				if typ != e.Relations[f.Name].Target+"Where" {
					t.Errorf("%sWhere.%s is %s, catalog says %s", name, f.Name, typ, e.Relations[f.Name].Target)
				}
			case e.Many[f.Name].Target != "":
				if typ != e.Many[f.Name].Target+"Where" {
					t.Errorf("%sWhere.%s is %s, catalog says %s", name, f.Name, typ, e.Many[f.Name].Target)
				}
			default:
				fld, ok := e.Fields[f.Name]
				if !ok {
					t.Errorf("%sWhere.%s is not in the catalog", name, f.Name)
					continue
				}
				want := filterTypes[fld.Type]
				if fld.Type == store.Enum {
					want = strings.TrimSuffix(typ, "Filter") + "Filter"
					if schema.Types[strings.TrimSuffix(typ, "Filter")] == nil {
						t.Errorf("%sWhere.%s: %s is not an enum filter", name, f.Name, typ)
					}
				}
				if typ != want {
					t.Errorf("%sWhere.%s is %s, catalog type wants %s", name, f.Name, typ, want)
				}
			}
		}
		if order := schema.Types[name+"OrderField"]; order != nil {
			for _, v := range order.EnumValues {
				found := false
				for fname, fld := range e.Fields {
					if strings.EqualFold(strings.ReplaceAll(v.Name, "_", ""), fname) && fld.Type != store.RoleList {
						found = true
					}
				}
				if !found {
					t.Errorf("%sOrderField.%s is not an orderable catalog field", name, v.Name)
				}
			}
		}
		for _, suffix := range []string{"SumFields", "AvgFields", "MinMaxFields"} {
			agg := schema.Types[name+suffix]
			if agg == nil {
				continue
			}
			for _, f := range agg.Fields {
				if _, ok := e.Fields[f.Name]; !ok {
					t.Errorf("%s%s.%s is not in the catalog", name, suffix, f.Name)
				}
			}
		}
	}
}
