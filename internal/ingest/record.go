package ingest

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
)

// A record is one line that passed validation: the values of its entity's
// fields, typed, in the entity's field order. Validation is the same for
// Import and ImportLines and happens before anything touches the database;
// only references (which need the store) are checked later, when the record
// is written.

// value is one field of a record.
type value struct {
	set  bool      // given, and not null
	s    string    // text, enum, date, time zone, or a referenced code
	n    int64     // kInt
	b    bool      // kBool
	t    time.Time // kTime
	list []string  // kRoles and kRefs: sorted, without duplicates

	// Filled when the record is written.
	id   int64   // kRef: the referenced row
	path string  // kRef: the region path rows copy from it
	ids  []int64 // kRefs: the referenced rows
}

// record is a validated line.
type record struct {
	ent      *entity
	line     int
	code     string
	vals     []value
	skip     bool // not written: a reference could not be resolved
	reported bool // an error names this line already
}

// reset prepares rec to hold a line of e, keeping its storage.
func (rec *record) reset(e *entity, line int) {
	rec.ent, rec.line, rec.code, rec.skip, rec.reported = e, line, "", false, false
	if cap(rec.vals) < len(e.fields) {
		rec.vals = make([]value, len(e.fields))
	}
	rec.vals = rec.vals[:len(e.fields)]
	for i := range rec.vals {
		rec.vals[i] = value{}
	}
}

// decoder validates parsed lines. It is not safe for concurrent use.
type decoder struct {
	zones map[string]bool // time zone names already checked
	seen  []bool
}

// badLine is a line that failed validation: its type and code when they
// could be read, and why it failed.
type badLine struct {
	typ, code, field, reason string
}

var keyType, keyCode = []byte("type"), []byte("code")

// maxText bounds every text value in bytes. Every text column is indexed,
// and PostgreSQL refuses an index entry over about 2.7 kB (SQLite has no
// such limit): the bound keeps both stores taking the same lines, and the
// failure a line error rather than a store error.
const maxText = 2000

// decode validates o, a line of e (see typeOf), and fills rec with it.
func (d *decoder) decode(o *rawObject, e *entity, line int, rec *record) *badLine {
	rec.reset(e, line)
	fail := func(format string, args ...any) *badLine {
		return &badLine{typ: e.name, code: rec.code, reason: fmt.Sprintf(format, args...)}
	}
	failField := func(field, format string, args ...any) *badLine {
		b := fail(format, args...)
		b.field = field
		return b
	}
	// The code first, so that every later error can name the line by it.
	for i, k := range o.keys {
		if !bytes.Equal(k, keyCode) {
			continue
		}
		switch v := &o.vals[i]; {
		case v.kind == jNull:
		case v.kind != jString:
			return failField("code", `field "code" must be a string, not %s`, v.kind)
		case v.str == "":
			return failField("code", `field "code" must not be empty`)
		case strings.IndexByte(v.str, 0) >= 0:
			return failField("code", `field "code" contains a NUL character`)
		case len(v.str) > maxText:
			return failField("code", `field "code" is too long: %d bytes, at most %d`, len(v.str), maxText)
		default:
			rec.code = v.str
		}
	}
	d.seen = slices.Grow(d.seen[:0], len(e.fields))[:len(e.fields)]
	clear(d.seen)
	sawType, sawCode := false, false
	for i, k := range o.keys {
		if bytes.Equal(k, keyType) || bytes.Equal(k, keyCode) {
			dup := &sawType
			if k[0] == 'c' {
				dup = &sawCode
			}
			if *dup {
				return failField(string(k), "field %q given twice", k)
			}
			*dup = true
			continue
		}
		j, ok := e.byName[string(k)]
		if !ok {
			return failField(string(k), "unknown field %q", k)
		}
		if d.seen[j] {
			return failField(string(k), "field %q given twice", k)
		}
		d.seen[j] = true
		if reason := d.field(&e.fields[j], &o.vals[i], &rec.vals[j]); reason != "" {
			return failField(string(k), "field %q %s", k, reason)
		}
	}
	for j := range e.fields {
		if e.fields[j].required && !rec.vals[j].set {
			return failField(e.fields[j].name, "missing required field %q", e.fields[j].name)
		}
	}
	if e.name == "ServiceEvent" && rec.vals[e.byName["organizer"]].set &&
		(rec.vals[e.byName["organizerOrganization"]].set || rec.vals[e.byName["organizerAlliance"]].set) {
		return failField("organizer", `give "organizer" or "organizerOrganization"/"organizerAlliance", not both`)
	}
	if e.parent >= 0 && rec.vals[e.parent].s == rec.code && rec.code != "" {
		return failField("parent", `field "parent" names the line itself`)
	}
	if rec.code == "" {
		if e.derive == nil {
			return failField("code", `missing required field "code"`)
		}
		rec.code = e.deriveCode(rec)
	}
	return nil
}

// typeOf finds the entity a line names.
func typeOf(o *rawObject) (*entity, *badLine) {
	for i, k := range o.keys {
		if !bytes.Equal(k, keyType) {
			continue
		}
		v := &o.vals[i]
		if v.kind != jString {
			return nil, &badLine{reason: fmt.Sprintf(`field "type" must be a string, not %s`, v.kind)}
		}
		e := byType[v.str]
		if e == nil {
			return nil, &badLine{reason: fmt.Sprintf("unknown type %q (want one of %s)", v.str, strings.Join(Types(), ", "))}
		}
		return e, nil
	}
	return nil, &badLine{reason: `missing field "type"`}
}

// field converts one JSON value into v; it returns why it can't, as a phrase
// that follows the field's name.
func (d *decoder) field(f *field, in *rawValue, v *value) string {
	if in.kind == jNull {
		return "" // absent
	}
	want := jString
	switch f.kind {
	case kInt:
		want = jNumber
	case kBool:
		want = jBool
	case kRoles, kRefs:
		want = jArray
	}
	if in.kind != want {
		return fmt.Sprintf("must be %s, not %s", want, in.kind)
	}
	v.set = true
	switch f.kind {
	case kInt:
		n, reason := intOf(in.num)
		v.n = n
		return reason
	case kBool:
		v.b = in.b
		return ""
	case kRoles, kRefs:
		return d.list(f, in.items, v)
	}
	s := in.str
	v.s = s
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return "contains a NUL character"
	case s == "" && (f.required || f.kind == kRef || f.kind == kOrganizer):
		return "must not be empty"
	case len(s) > maxText:
		return fmt.Sprintf("is too long: %d bytes, at most %d", len(s), maxText)
	}
	switch f.kind {
	case kEnum:
		if !slices.Contains(f.enum, s) {
			return fmt.Sprintf("must be one of %s, not %q", strings.Join(f.enum, ", "), s)
		}
	case kDate:
		if _, err := store.ParseDate(s); err != nil {
			return "is wrong: " + err.Error()
		}
	case kTime:
		t, err := store.ParseTime(s)
		if err != nil {
			return "is wrong: " + err.Error()
		}
		// Both stores keep microseconds, but PostgreSQL rounds and SQLite's
		// text truncates: rounding here makes them agree.
		v.t = t.Round(time.Microsecond)
	case kTimeZone:
		if !d.zone(s) {
			return fmt.Sprintf("is wrong: %q is not a time zone (want an IANA name such as Asia/Shanghai)", s)
		}
	}
	return ""
}

// list converts a list of roles or codes: strings, deduplicated and sorted
// so that the same set always reads and writes the same way.
func (d *decoder) list(f *field, items []rawValue, v *value) string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		if it.kind != jString {
			return fmt.Sprintf("must be a list of strings, not hold %s", it.kind)
		}
		switch {
		case it.str == "":
			return "must not hold an empty string"
		case len(it.str) > maxText:
			return fmt.Sprintf("holds a string too long: %d bytes, at most %d", len(it.str), maxText)
		case strings.IndexByte(it.str, 0) >= 0:
			return "contains a NUL character"
		case f.kind == kRoles && !slices.Contains(f.enum, it.str):
			return fmt.Sprintf("must hold roles from %s, not %q", strings.Join(f.enum, ", "), it.str)
		}
		out = append(out, it.str)
	}
	slices.Sort(out)
	v.list = slices.Compact(out)
	return ""
}

// zone reports whether name is an IANA time zone, remembering the answer:
// loading a zone reads the embedded database.
func (d *decoder) zone(name string) bool {
	ok, seen := d.zones[name]
	if !seen {
		_, err := time.LoadLocation(name)
		ok = err == nil && name != "" && name != "Local"
		if d.zones == nil {
			d.zones = map[string]bool{}
		}
		d.zones[name] = ok
	}
	return ok
}

// intOf reads a JSON number into a non-negative 32-bit integer, the range of
// every integer column (counts and years).
func intOf(num []byte) (int64, string) {
	neg := len(num) > 0 && num[0] == '-'
	digits := num
	if neg {
		digits = num[1:]
	}
	var n int64
	plain := len(digits) > 0 && len(digits) <= 12
	for _, c := range digits {
		if c < '0' || c > '9' {
			plain = false
			break
		}
		n = n*10 + int64(c-'0')
	}
	if !plain {
		f, err := strconv.ParseFloat(string(num), 64)
		if err != nil || f != math.Trunc(f) {
			return 0, fmt.Sprintf("must be a whole number, not %s", num)
		}
		if math.Abs(f) > math.MaxInt32 {
			return 0, fmt.Sprintf("is too large: %s", num)
		}
		n, neg = int64(math.Abs(f)), f < 0
	}
	switch {
	case neg && n != 0:
		return 0, fmt.Sprintf("must not be negative, not %s", num)
	case n > math.MaxInt32:
		return 0, fmt.Sprintf("is too large: %s", num)
	}
	return n, ""
}
