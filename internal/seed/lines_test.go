package seed

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The contract's line formats, as the tests check them: every field a line
// may carry, its Go type, whether it is required, which entity type it refers
// to, and its allowed values.

type fieldKind int

const (
	fString fieldKind = iota
	fInt
	fBool
	fList // []string
	fDate
	fTime
)

type field struct {
	kind     fieldKind
	required bool
	ref      string   // referenced entity type, for strings and lists
	enum     []string // allowed values, for strings and lists
}

var (
	req       = func(k fieldKind) field { return field{kind: k, required: true} }
	opt       = func(k fieldKind) field { return field{kind: k} }
	ref       = func(t string) field { return field{kind: fString, required: true, ref: t} }
	optRef    = func(t string) field { return field{kind: fString, ref: t} }
	enum      = func(vs ...string) field { return field{kind: fString, required: true, enum: vs} }
	roleNames = []string{"RESIDENT", "PARTY_MEMBER", "COMMUNITY_WORKER", "GRID_WORKER", "VOLUNTEER", "SECRETARY",
		"DEPUTY_SECRETARY", "MENTOR", "EXPERT", "TRAINEE", "DOCTOR"}
	outcomes = []string{"RESERVE_CADRE", "ELECTED_SECRETARY", "ELECTED_DEPUTY_SECRETARY", "PROMOTED", "IN_TRAINING", "LEFT"}
)

var schema = map[string]map[string]field{
	"Region": {"code": req(fString), "name": req(fString), "level": enum("PROVINCE", "CITY", "DISTRICT", "STREET"),
		"parent": optRef("Region")},
	"ServiceCategory": {"code": req(fString), "name": req(fString), "parent": optRef("ServiceCategory")},
	"Community": {"code": req(fString), "name": req(fString), "kind": enum("URBAN", "VILLAGE"), "region": ref("Region"),
		"population": req(fInt), "households": req(fInt)},
	"Organization": {"code": req(fString), "name": req(fString), "kind": enum("PARTY_COMMITTEE", "PARTY_BRANCH",
		"GOVERNMENT_AGENCY", "PUBLIC_INSTITUTION", "ENTERPRISE", "SOCIAL_ORGANIZATION", "MERCHANT", "OTHER"),
		"region": ref("Region"), "community": optRef("Community"), "parent": optRef("Organization")},
	"Person": {"code": req(fString), "name": req(fString), "gender": enum("F", "M"), "birthYear": req(fInt),
		"phone": opt(fString), "community": optRef("Community"), "organization": optRef("Organization"),
		"partyMember": req(fBool), "roles": {kind: fList, required: true, enum: roleNames}},
	"Position": {"person": ref("Person"), "organization": ref("Organization"), "title": req(fString),
		"from": req(fDate), "to": opt(fDate)},
	"GradeChange": {"person": ref("Person"), "tier": req(fInt), "step": req(fInt), "effectiveOn": req(fDate)},
	"Alliance": {"code": req(fString), "name": req(fString), "leadCommunity": ref("Community"),
		"foundedOn": req(fDate)},
	"Membership": {"alliance": ref("Alliance"), "organization": ref("Organization"), "signedOn": req(fDate),
		"leftOn": opt(fDate), "commitments": {kind: fList, required: true, ref: "ServiceCategory"}},
	"Studio": {"code": req(fString), "name": req(fString), "region": ref("Region"), "leadMentor": ref("Person"),
		"theoryExpert": ref("Person"), "foundedOn": req(fDate)},
	"Mentorship": {"studio": ref("Studio"), "mentor": ref("Person"), "trainee": ref("Person"),
		"cohortYear": req(fInt), "startedOn": req(fDate), "endedOn": opt(fDate),
		"outcome": {kind: fString, enum: outcomes}, "outcomeYear": opt(fInt)},
	"ResearchTopic": {"code": req(fString), "studio": ref("Studio"), "lead": ref("Person"),
		"members": {kind: fList, ref: "Person"}, "title": req(fString), "year": req(fInt)},
	"Case": {"code": req(fString), "studio": ref("Studio"), "lead": ref("Person"),
		"members": {kind: fList, ref: "Person"}, "title": req(fString), "year": req(fInt)},
	"ServiceEvent": {"code": req(fString), "kind": enum("MARKET", "HOME_VISIT", "LECTURE", "TRAINING", "CAMP",
		"MEETING", "OTHER"), "title": req(fString), "community": ref("Community"),
		"organizerOrganization": optRef("Organization"), "organizerAlliance": optRef("Alliance"),
		"startsAt": req(fTime), "endsAt": req(fTime)},
	"Demand": {"code": req(fString), "community": ref("Community"), "alliance": optRef("Alliance"),
		"category": ref("ServiceCategory"), "title": req(fString), "raisedAt": req(fTime),
		"status":     enum("OPEN", "ASSIGNED", "IN_PROGRESS", "RESOLVED", "CLOSED"),
		"assignedTo": optRef("Organization"), "respondedAt": opt(fTime), "resolvedAt": opt(fTime)},
	"ServiceRecord": {"code": req(fString), "community": ref("Community"), "category": ref("ServiceCategory"),
		"occurredAt": req(fTime), "peopleServed": req(fInt), "resolved": req(fBool),
		"provider": optRef("Organization"), "providerPerson": optRef("Person"), "recipient": optRef("Person"),
		"event": optRef("ServiceEvent"), "alliance": optRef("Alliance"), "demand": optRef("Demand")},
}

// checker validates a stream of lines: formats, dependency order, unique
// codes and natural keys. Use check as an Emit.
type checker struct {
	n       int
	last    int                        // index in typeOrder of the previous line's type
	codes   map[string]map[string]Line // type -> code -> line (lines kept only when keep)
	keep    bool
	natural map[string]bool
	regions map[string]string // region code -> level
}

func newChecker(keep bool) *checker {
	c := &checker{codes: map[string]map[string]Line{}, natural: map[string]bool{}, regions: map[string]string{}, keep: keep}
	for _, t := range typeOrder {
		c.codes[t] = map[string]Line{}
	}
	return c
}

func (c *checker) check(l Line) error {
	c.n++
	if err := c.line(l); err != nil {
		return fmt.Errorf("line %d %v: %w", c.n, l, err)
	}
	return nil
}

func (c *checker) line(l Line) error {
	t, _ := l["type"].(string)
	fields, ok := schema[t]
	if !ok {
		return fmt.Errorf("unknown type %q", l["type"])
	}
	idx := slices.Index(typeOrder, t)
	if idx < c.last {
		return fmt.Errorf("%s after %s: not in dependency order", t, typeOrder[c.last])
	}
	c.last = idx
	for k, v := range l {
		if k == "type" {
			continue
		}
		f, ok := fields[k]
		if !ok {
			return fmt.Errorf("field %q is not in the %s format", k, t)
		}
		if err := c.value(f, v); err != nil {
			return fmt.Errorf("field %q: %w", k, err)
		}
	}
	for k, f := range fields {
		if _, ok := l[k]; f.required && !ok {
			return fmt.Errorf("missing required field %q", k)
		}
	}
	if code, ok := l["code"].(string); ok {
		if _, dup := c.codes[t][code]; dup {
			return fmt.Errorf("duplicate %s code %s", t, code)
		}
		var keep Line
		if c.keep {
			keep = l
		}
		c.codes[t][code] = keep
	}
	return c.semantics(t, l)
}

func (c *checker) value(f field, v any) error {
	switch f.kind {
	case fInt:
		if _, ok := v.(int); !ok {
			return fmt.Errorf("%v (%T) is not an int", v, v)
		}
		return nil
	case fBool:
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%v (%T) is not a bool", v, v)
		}
		return nil
	case fList:
		xs, ok := v.([]string)
		if !ok {
			return fmt.Errorf("%v (%T) is not a []string", v, v)
		}
		for _, x := range xs {
			if err := c.scalar(f, x); err != nil {
				return err
			}
		}
		if len(slices.Compact(slices.Sorted(slices.Values(xs)))) != len(xs) {
			return fmt.Errorf("repeated value in %v", xs)
		}
		return nil
	}
	s, ok := v.(string)
	if !ok || s == "" {
		return fmt.Errorf("%v (%T) is not a non-empty string", v, v)
	}
	switch f.kind {
	case fDate:
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return err
		}
	case fTime:
		if _, err := time.Parse(time.RFC3339, s); err != nil || !strings.HasSuffix(s, "+08:00") {
			return fmt.Errorf("%q is not RFC 3339 with +08:00", s)
		}
	}
	return c.scalar(f, s)
}

func (c *checker) scalar(f field, s string) error {
	if f.enum != nil && !slices.Contains(f.enum, s) {
		return fmt.Errorf("%q is not one of %v", s, f.enum)
	}
	if f.ref != "" {
		if _, ok := c.codes[f.ref][s]; !ok {
			return fmt.Errorf("%s %q is not emitted before", f.ref, s)
		}
	}
	return nil
}

// semantics checks what the formats imply beyond field types: the region
// tree's code shapes, natural keys, ranges and the order of times.
func (c *checker) semantics(t string, l Line) error {
	key := func(parts ...any) error {
		k := fmt.Sprint(append([]any{t}, parts...)...)
		if c.natural[k] {
			return fmt.Errorf("duplicate natural key %v", parts)
		}
		c.natural[k] = true
		return nil
	}
	str := func(k string) string { s, _ := l[k].(string); return s }
	switch t {
	case "Region":
		code, level, parent := str("code"), str("level"), str("parent")
		want := map[string]int{"PROVINCE": 6, "CITY": 6, "DISTRICT": 6, "STREET": 9}[level]
		if len(code) != want {
			return fmt.Errorf("%s code %s should have %d digits", level, code, want)
		}
		parentLevel := map[string]string{"CITY": "PROVINCE", "DISTRICT": "CITY", "STREET": "DISTRICT"}[level]
		if (parent == "") != (level == "PROVINCE") || (parent != "" && c.regions[parent] != parentLevel) {
			return fmt.Errorf("%s %s has parent %q", level, code, parent)
		}
		c.regions[code] = level
	case "Community":
		if code, street := str("code"), str("region"); c.regions[street] != "STREET" || len(code) != 12 || !strings.HasPrefix(code, street) {
			return fmt.Errorf("community %s is not a 12-digit code under street %s", code, street)
		}
	case "Position":
		return key(l["person"], l["organization"], l["title"], l["from"])
	case "GradeChange":
		if tier, step := l["tier"].(int), l["step"].(int); tier < 1 || tier > 3 || step < 1 || step > 6 {
			return fmt.Errorf("grade %d/%d out of range", tier, step)
		}
		return key(l["person"], l["effectiveOn"])
	case "Membership":
		return key(l["alliance"], l["organization"])
	case "Mentorship":
		return key(l["studio"], l["trainee"], l["cohortYear"])
	case "ServiceEvent":
		if str("endsAt") <= str("startsAt") {
			return fmt.Errorf("event ends before it starts")
		}
	case "Demand":
		raised, responded, resolved := str("raisedAt"), str("respondedAt"), str("resolvedAt")
		if (responded != "" && responded < raised) || (resolved != "" && resolved < responded) {
			return fmt.Errorf("demand times out of order")
		}
		if status := str("status"); (status == "RESOLVED" || status == "CLOSED") != (resolved != "") {
			return fmt.Errorf("status %s with resolvedAt %q", status, resolved)
		}
	case "ServiceRecord":
		if l["peopleServed"].(int) < 1 {
			return fmt.Errorf("record serves nobody")
		}
	}
	return nil
}
