package graph

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/civicgraph/civicgraph/internal/accesslog"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/pii"
	"github.com/civicgraph/civicgraph/internal/store"
)

// The audit trail keeps rows as they were written, personal data included
// (it is the record of what changed). Reading it follows the rule of every
// other read: without pii:read, a name or phone is masked and a birth year
// or recipient left out; with it, the read is noted in the access log.

// auditPersonal lists the personal keys of each type's import lines, and
// how each is masked (nil: left out).
var auditPersonal = map[string]map[string]func(string) string{
	"Person":        {"name": pii.MaskName, "phone": pii.MaskPhone, "birthYear": nil},
	"ServiceRecord": {"recipient": nil},
}

// auditLine is the before or after of an entry as the principal may read it.
func auditLine(ctx context.Context, e *store.AuditEntry, line string) (string, error) {
	fields := auditPersonal[e.Entity]
	if line == "" || fields == nil {
		return line, nil
	}
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(line))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return "", err
	}
	present := false
	for k := range fields {
		if _, ok := m[k]; ok {
			present = true
		}
	}
	if !present {
		return line, nil
	}
	if auth.From(ctx).ReadsPII() {
		for k := range fields {
			if _, ok := m[k]; ok {
				accesslog.Note(ctx, e.Entity, e.EntityID, k)
			}
		}
		return line, nil
	}
	for k, mask := range fields {
		s, isText := m[k].(string)
		switch {
		case m[k] == nil:
		case mask != nil && isText:
			m[k] = mask(s)
		default:
			delete(m, k)
		}
	}
	b, err := json.Marshal(m)
	return string(b), err
}
