package graph_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/store"
)

// Personal data in the authorization matrix: masking without pii:read,
// FORBIDDEN filters, orders and aggregates on it, and with pii:read the
// unmasked values and the access log of exactly the rows read.

// authzMaskName is a name as principals without pii:read see it: its first
// character and a star for every other (at least one).
func authzMaskName(s string) string {
	r := []rune(s)
	return string(r[0]) + strings.Repeat("*", max(len(r)-1, 1))
}

// authzMaskPhone keeps the first three and the last four characters.
func authzMaskPhone(s string) string {
	return s[:3] + strings.Repeat("*", len(s)-7) + s[len(s)-4:]
}

// authzForbidden are queries that filter, order or aggregate on personal
// data; parent names the type the principal must see for the query to
// reach the offending argument ("" when it is at the root).
var authzForbidden = []struct{ parent, query string }{
	{"", `{ people(where: {name: {eq: "张00"}}) { totalCount nodes { code } } }`},
	{"", `{ people(where: {phone: {startsWith: "138"}}) { totalCount } }`},
	{"", `{ people(where: {birthYear: {gt: 1900}}) { totalCount } }`},
	{"", `{ people(where: {or: [{code: {eq: "P-000-0"}}, {name: {contains: "张"}}]}) { totalCount } }`},
	{"", `{ people(where: {not: {birthYear: {isNull: true}}}) { totalCount } }`},
	{"", `{ people(orderBy: [{field: NAME, direction: ASC}]) { nodes { code } } }`},
	{"", `{ people(orderBy: [{field: BIRTH_YEAR, direction: DESC}]) { nodes { code } } }`},
	{"", `{ people { aggregate { sum { birthYear } } } }`},
	{"", `{ people { aggregate { avg { birthYear } } } }`},
	{"", `{ people { aggregate { min { birthYear } max { birthYear } } } }`},
	{"", `{ serviceRecords(where: {recipient: {code: {eq: "P-000-0"}}}) { totalCount nodes { code } } }`},
	{"", `{ serviceRecords(where: {recipient: null}) { totalCount } }`},
	{"", `{ serviceRecords(where: {providerPerson: {name: {eq: "张01"}}}) { totalCount } }`},
	{"", `{ communities(where: {people: {name: {startsWith: "张"}}}) { totalCount nodes { code } } }`},
	{"", `{ organizations(where: {community: {people: {phone: {eq: "13800000000"}}}}) { totalCount } }`},
	{"", `{ mentorships(where: {trainee: {birthYear: {lt: 2000}}}) { totalCount } }`},
	{"", `{ studios(where: {leadMentor: {name: {eq: "张02"}}}) { totalCount } }`},
	{"", `{ serviceStats(groupBy: [CATEGORY], where: {recipient: {code: {eq: "P-000-0"}}}) { records } }`},
	{"", `{ serviceStats(groupBy: [CATEGORY], where: {providerPerson: {name: {eq: "张01"}}}) { records } }`},
	{"", `{ mentorshipStats(groupBy: [STUDIO], where: {trainee: {name: {eq: "张12"}}}) { mentorships } }`},
	{"Community", `{ communities { nodes { code people(where: {name: {eq: "张00"}}) { totalCount } } } }`},
	{"Community", `{ communities { nodes { code people { aggregate { max { birthYear } } } } } }`},
	{"Community", `{ communities { nodes { code serviceRecords(where: {recipient: {code: {eq: "P-000-0"}}}) { totalCount } } } }`},
	{"Region", `{ regions { nodes { code people(orderBy: [{field: NAME}]) { nodes { code } } } } }`},
	{"Person", `{ people { nodes { code mentees(where: {birthYear: {gt: 0}}) { totalCount } } } }`},
	{"Studio", `{ studios { nodes { code mentorships(where: {mentor: {name: {contains: "张"}}}) { totalCount } } } }`},
}

// checkPersonal checks masking, the refusal of filters on personal data
// without pii:read, and the access log of unmasked reads with it.
func (a *authzAPI) checkPersonal(t *testing.T, w *authzWorld, p authzPrincipal, v authzVis) {
	q := `query AuthzPeople { people { nodes { code name phone birthYear } }
		one: person(code: "P-002-0") { code name phone birthYear }
		communities { nodes { code people { nodes { code name phone birthYear } } } }
		serviceRecords { nodes { code recipient { code name } providerPerson { code name phone birthYear } } } }`
	before := a.accessLog(t, p.name)
	d := a.dataOp(t, p.name, "AuthzPeople", q, nil)
	if d == nil {
		return
	}
	var people []any
	people = append(people, get(d, "people", "nodes").([]any)...)
	for _, c := range get(d, "communities", "nodes").([]any) {
		people = append(people, get(c, "people", "nodes").([]any)...)
	}
	for _, r := range get(d, "serviceRecords", "nodes").([]any) {
		if pp := get(r, "providerPerson"); pp != nil {
			people = append(people, pp)
		}
	}
	if one := get(d, "one"); one != nil || v.sees("Person", "P-002-0") {
		if get(one, "code") != "P-002-0" {
			t.Errorf("person(code: P-002-0) = %v, visible %v", one, v.sees("Person", "P-002-0"))
		} else {
			people = append(people, one)
		}
	}
	for _, n := range people {
		code := authzStr(get(n, "code"))
		l := w.line("Person", code)
		wantName, wantPhone, wantYear := authzStr(l["name"]), authzStr(l["phone"]), authzJSON(l["birthYear"])
		if !p.pii {
			wantName, wantPhone, wantYear = authzMaskName(wantName), authzMaskPhone(wantPhone), nil
		}
		if g := get(n, "name"); g != wantName {
			t.Errorf("%s.name = %v, want %q", code, g, wantName)
		}
		if g := get(n, "phone"); g != wantPhone {
			t.Errorf("%s.phone = %v, want %q", code, g, wantPhone)
		}
		if g := authzNormalize(get(n, "birthYear")); g != wantYear {
			t.Errorf("%s.birthYear = %v, want %v", code, g, wantYear)
		}
	}
	for _, r := range get(d, "serviceRecords", "nodes").([]any) {
		code := authzStr(get(r, "code"))
		want := authzStr(w.line("ServiceRecord", code)["recipient"])
		if !p.pii || !v.sees("Person", want) {
			want = ""
		}
		if g := authzStr(get(r, "recipient", "code")); g != want {
			t.Errorf("%s.recipient = %v, want %q", code, get(r, "recipient"), want)
		}
		if g := get(r, "recipient", "name"); want != "" && g != w.line("Person", want)["name"] {
			t.Errorf("%s.recipient.name = %v", code, g)
		}
	}

	for _, f := range authzForbidden {
		_, r := a.ask(t, p.name, f.query, nil)
		reaches := f.parent == "" || len(v[f.parent]) > 0
		forbidden := len(r.Errors) > 0
		for _, e := range r.Errors {
			forbidden = forbidden && e.Extensions["code"] == "FORBIDDEN"
		}
		switch {
		case p.pii && len(r.Errors) > 0:
			t.Errorf("with pii:read, %s: %s", authzShort(f.query), authzErrors(r.Errors))
		case !p.pii && reaches && !forbidden:
			t.Errorf("without pii:read, %s: want FORBIDDEN, got errors %s, data %s", authzShort(f.query), authzErrors(r.Errors), authzBrief(r.Data))
		case !p.pii && len(r.Errors) > 0 && !forbidden:
			t.Errorf("without pii:read, %s: errors other than FORBIDDEN: %s", authzShort(f.query), authzErrors(r.Errors))
		case !p.pii && len(r.Errors) > 0 && !authzNoData(r.Data):
			t.Errorf("without pii:read, %s: FORBIDDEN but data came back: %s", authzShort(f.query), authzBrief(r.Data))
		}
	}
	// With pii:read the filters work, over visible rows only.
	if p.pii {
		for _, code := range []string{"P-000-0", "P-001-2", "P-002-0", "P-004-1", "P-005-3", "P-011-2"} {
			name := authzStr(w.line("Person", code)["name"])
			d := a.data(t, p.name, "where name", `query($n: String!) { people(where: {name: {eq: $n}}) { totalCount nodes { code } } }`, map[string]any{"n": name})
			want := []string(nil)
			if v.sees("Person", code) {
				want = []string{code}
			}
			if d != nil && !slices.Equal(codes(get(d, "people")), want) {
				t.Errorf("people(where: {name: {eq: %q}}) = %v, want %v", name, codes(get(d, "people")), want)
			}
		}
	}

	after := a.accessLog(t, p.name)
	if !p.pii {
		if len(after) > 0 {
			t.Errorf("a principal without pii:read has %d access-log rows, e.g. %v", len(after), after[0])
		}
		return
	}
	// The AuthzPeople operation logged exactly the people it showed and
	// the records whose recipient it showed.
	want := map[string]map[string]bool{}
	note := func(entity, code, field string) {
		k := entity + " " + a.rowID(t, entity, code)
		if want[k] == nil {
			want[k] = map[string]bool{}
		}
		want[k][field] = true
	}
	for _, n := range people {
		for _, f := range []string{"name", "phone", "birthYear"} {
			note("Person", authzStr(get(n, "code")), f)
		}
	}
	for _, r := range get(d, "serviceRecords", "nodes").([]any) {
		if rc := authzStr(w.line("ServiceRecord", authzStr(get(r, "code")))["recipient"]); rc != "" {
			note("ServiceRecord", authzStr(get(r, "code")), "recipient")
			if v.sees("Person", rc) {
				note("Person", rc, "name")
			}
		}
	}
	got := map[string]string{}
	for _, e := range after[len(before):] {
		if e.operation == "AuthzPeople" {
			got[e.entity+" "+e.id] = e.fields
		}
	}
	for k, fs := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("access log lacks the read of %s", k)
			continue
		}
		for f := range fs {
			if !slices.Contains(strings.Split(g, ","), f) {
				t.Errorf("access log of %s has fields %q, lacks %s", k, g, f)
			}
		}
	}
	for k := range got {
		if want[k] == nil {
			t.Errorf("access log has a read of %s, which the operation did not show", k)
		}
	}
}

// noData reports whether a refused query returned nothing: no data, or
// only null root fields.
func authzNoData(d map[string]any) bool {
	for _, v := range d {
		if v != nil {
			return false
		}
	}
	return true
}

// rowID is a row's database id, read off its global id.
func (a *authzAPI) rowID(t *testing.T, typ, code string) string {
	_, id, ok := store.ParseGlobalID(a.ids[typ][code])
	if !ok {
		t.Fatalf("no id for %s %s", typ, code)
	}
	return fmt.Sprint(id)
}

type authzLogRow struct{ operation, entity, id, fields string }

// accessLog reads a principal's access-log rows, oldest first.
func (a *authzAPI) accessLog(t *testing.T, who string) []authzLogRow {
	rows, err := a.db.Query(context.Background(),
		"SELECT operation, entity, entity_id, fields FROM access_log WHERE subject = ? ORDER BY id", a.subjects[who])
	if err != nil {
		t.Fatalf("read the access log: %v", err)
	}
	defer rows.Close()
	var out []authzLogRow
	for rows.Next() {
		var r authzLogRow
		var id int64
		if err := rows.Scan(&r.operation, &r.entity, &id, &r.fields); err != nil {
			t.Fatal(err)
		}
		r.id = fmt.Sprint(id)
		out = append(out, r)
	}
	return out
}
