package graph

import (
	"strings"
	"unicode"

	"github.com/civicgraph/civicgraph/graph/model"
)

// EntityType values are the type names in UPPER_SNAKE: SERVICE_RECORD is
// ServiceRecord.

// entityTypeOf is the EntityType of a type name.
func entityTypeOf(name string) model.EntityType {
	var b strings.Builder
	for i, r := range name {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return model.EntityType(b.String())
}

// typeNameOf is the type name of an EntityType.
func typeNameOf(t model.EntityType) string {
	var b strings.Builder
	for _, part := range strings.Split(string(t), "_") {
		if part == "" {
			continue
		}
		b.WriteString(part[:1] + strings.ToLower(part[1:]))
	}
	return b.String()
}

// typeNamesOf converts a list of EntityTypes (nil stays nil).
func typeNamesOf(ts []model.EntityType) []string {
	if ts == nil {
		return nil
	}
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = typeNameOf(t)
	}
	return out
}
