package export

import (
	"strings"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/store"
)

// parseOrder turns the orderBy parameter, the JSON of [<Type>Order!]
// ([{"field":"OCCURRED_AT","direction":"DESC"}], one object alone allowed),
// into an SQL order on alias t, with the id last so that ties come in a
// stable order, as connections sort. NULL sorts as the largest value on
// both stores, as the translator sorts it. "" is the default order (code).
// Ordering by personal data without pii:read is FORBIDDEN: the order would
// reveal what masking hides.
func parseOrder(who *auth.Principal, e *store.Entity, text string) (string, error) {
	if text == "" {
		return "", nil
	}
	raw, err := decodeJSON("orderBy", text)
	if err != nil {
		return "", err
	}
	items, ok := raw.([]any)
	if !ok {
		items = []any{raw}
	}
	var keys []string
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return "", apperr.Invalid("orderBy: want objects like {\"field\":\"CODE\",\"direction\":\"ASC\"}")
		}
		field, _ := m["field"].(string)
		name := camel(field)
		fld, ok := e.Fields[name]
		if !ok || fld.Type == store.RoleList || field != strings.ToUpper(field) {
			return "", apperr.Invalid("orderBy: %s has no order field %q", e.Name, field)
		}
		if fld.PII && !who.ReadsPII() {
			return "", apperr.New(apperr.Forbidden, "ordering by %s.%s needs the pii:read permission (it is personal data)", e.Name, name)
		}
		switch m["direction"] {
		case "DESC":
			keys = append(keys, "t."+fld.Column+" DESC NULLS FIRST")
		case "ASC", nil:
			keys = append(keys, "t."+fld.Column+" ASC NULLS LAST")
		default:
			return "", apperr.Invalid("orderBy: direction must be ASC or DESC")
		}
		if fld.Column == "id" {
			return strings.Join(keys, ", "), nil // the id is unique: later keys never matter
		}
	}
	if len(keys) == 0 {
		return "", nil
	}
	return strings.Join(append(keys, "t.id ASC"), ", "), nil
}

// camel turns an order field enum value (PEOPLE_SERVED) into the field
// name it stands for (peopleServed).
func camel(s string) string {
	parts := strings.Split(strings.ToLower(s), "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}
