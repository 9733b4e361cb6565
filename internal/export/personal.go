package export

import (
	"context"

	"github.com/civicgraph/civicgraph/internal/accesslog"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/pii"
	"github.com/civicgraph/civicgraph/internal/store"
)

// Personal data leaves as GraphQL shows it (graph/personal.go, with the
// masks of package pii): as stored, each read noted in the access log, for
// principals with pii:read; masked for everyone else — a name keeps its
// first character, a phone its first three and last four, a birth year or
// a recipient is left out.

// personalFields lists the personal fields of a type's lines, as the
// catalog marks them.
func personalFields(typeName string) []string {
	e := store.Catalog[typeName]
	if e == nil {
		return nil
	}
	var out []string
	for _, name := range ingest.Fields(typeName) {
		if e.Fields[name].PII || e.Relations[name].PII {
			out = append(out, name)
		}
	}
	return out
}

// masks is how a personal field is masked; a field not listed is left out.
var masks = map[string]func(string) string{
	"Person.name":  pii.MaskName,
	"Person.phone": pii.MaskPhone,
}

// personal shows or masks the personal fields of one row.
type personal struct {
	typeName string
	fields   []string
	reads    bool // the principal has pii:read
}

func newPersonal(who *auth.Principal, typeName string) *personal {
	return &personal{typeName: typeName, fields: personalFields(typeName), reads: who.ReadsPII()}
}

// apply masks r's personal fields, or notes their unmasked read in ctx's
// access log. It reports whether it noted anything.
func (p *personal) apply(ctx context.Context, r *ingest.Row) bool {
	noted := false
	for _, f := range p.fields {
		v := r.Value(f)
		if v == nil {
			continue
		}
		if p.reads {
			accesslog.Note(ctx, p.typeName, r.ID, f)
			noted = true
			continue
		}
		s, _ := v.(string)
		if mask := masks[p.typeName+"."+f]; mask != nil && s != "" {
			r.SetValue(f, mask(s))
		} else {
			r.SetValue(f, nil)
		}
	}
	return noted
}
