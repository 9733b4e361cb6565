package graph_test

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/civicgraph/civicgraph/internal/auth"
)

// The authorization model: what each principal may see, worked out in Go
// from the fixture lines alone (never from SQL), following the rules that
// internal/query/visible.go states in its comment:
//
//   - a region scope (ANALYST, OPERATOR) keeps every row hanging from the
//     scope's subtree: regions by their own place in the tree, the
//     region-bound types by the region they hang from (Community: its
//     street; Organization: its region, else its community's; Alliance: its
//     lead community; Membership: its alliance; Person: its community;
//     Studio: its street; Mentorship: its studio; ServiceEvent,
//     ServiceRecord, Demand: their community), and the types without a
//     region follow their owner (Position, GradeChange: the person;
//     ResearchTopic, Case: the studio);
//   - a PARTNER (one organization) keeps its own organization, the
//     alliances it is a member of, its memberships, the communities leading
//     those alliances, the service records in those communities or provided
//     by it, the demands in those communities or assigned to it; nothing
//     else;
//   - service categories are visible to everyone; ADMIN and unscoped
//     ANALYST/OPERATOR see everything.

// authzTypes are the entity types, owners before the types that follow them.
var authzTypes = []string{
	"Region", "Community", "Organization", "Alliance", "Membership", "Person", "Studio", "Mentorship",
	"ServiceCategory", "ServiceEvent", "ServiceRecord", "Demand",
	"Position", "GradeChange", "ResearchTopic", "Case",
}

// authzOwner names, for the types without a region, the field naming the
// row whose visibility they follow and that row's type.
var authzOwner = map[string][2]string{
	"Position": {"person", "Person"}, "GradeChange": {"person", "Person"},
	"ResearchTopic": {"studio", "Studio"}, "Case": {"studio", "Studio"},
}

// authzPrincipal is one row of the matrix: an API key's grant ("" role: no
// credential at all).
type authzPrincipal struct {
	name  string
	role  auth.Role
	scope string // "region:CODE", "organization:CODE" or ""
	pii   bool
}

// authzFixture is fixture(12) plus an organization that is in no alliance
// (the principal that sees next to nothing is a PARTNER of it), seated in
// a community of district 440304.
func authzFixture() []line {
	fx := fixture(12)
	return append(fx, line{"type": "Organization", "code": "ORG-LONE", "name": "无联盟单位", "kind": "MERCHANT", "region": "440304001", "community": "C004"})
}

// authzWorld indexes the fixture for the model.
type authzWorld struct {
	byType map[string][]line
	byCode map[string]map[string]line // type -> identity -> line
}

// str is a line's text field, "" when absent.
func authzStr(v any) string { s, _ := v.(string); return s }

// authzIdentity is the code the importer gives a line: its own, or the one
// it derives from the fields it names (joined by "/", absent fields empty).
func authzIdentity(l line) string {
	part := func(names ...string) string {
		ps := make([]string, len(names))
		for i, n := range names {
			if v, ok := l[n]; ok {
				ps[i] = fmt.Sprint(v)
			}
		}
		return strings.Join(ps, "/")
	}
	switch l["type"] {
	case "Membership":
		return part("alliance", "organization")
	case "Mentorship":
		return part("studio", "trainee", "cohortYear")
	case "Position":
		return part("person", "organization", "title", "from")
	case "GradeChange":
		return part("person", "effectiveOn")
	}
	return authzStr(l["code"])
}

func newAuthzWorld(fx []line) *authzWorld {
	w := &authzWorld{byType: map[string][]line{}, byCode: map[string]map[string]line{}}
	for _, l := range fx {
		typ := authzStr(l["type"])
		w.byType[typ] = append(w.byType[typ], l)
		if w.byCode[typ] == nil {
			w.byCode[typ] = map[string]line{}
		}
		w.byCode[typ][authzIdentity(l)] = l
	}
	return w
}

// line returns the line of a type by code (nil when there is none).
func (w *authzWorld) line(typ, code string) line { return w.byCode[typ][code] }

// codes lists every identity of a type, sorted.
func (w *authzWorld) codes(typ string) []string {
	var out []string
	for c := range w.byCode[typ] {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// regionOf is the region a row hangs from ("" for none).
func (w *authzWorld) regionOf(typ, code string) string {
	l := w.line(typ, code)
	if l == nil || code == "" {
		return ""
	}
	switch typ {
	case "Region":
		return code
	case "Community", "Studio":
		return authzStr(l["region"])
	case "Organization":
		if r := authzStr(l["region"]); r != "" {
			return r
		}
		return w.regionOf("Community", authzStr(l["community"]))
	case "Alliance":
		return w.regionOf("Community", authzStr(l["leadCommunity"]))
	case "Membership":
		return w.regionOf("Alliance", authzStr(l["alliance"]))
	case "Mentorship":
		return w.regionOf("Studio", authzStr(l["studio"]))
	case "Person", "ServiceEvent", "ServiceRecord", "Demand":
		return w.regionOf("Community", authzStr(l["community"]))
	}
	return ""
}

// under reports whether region lies in the subtree of top.
func (w *authzWorld) under(region, top string) bool {
	for r := region; r != ""; r = authzStr(w.line("Region", r)["parent"]) {
		if r == top {
			return true
		}
	}
	return false
}

// regionAt is the ancestor-or-self of region at the level ("" if none).
func (w *authzWorld) regionAt(region, level string) string {
	for r := region; r != ""; r = authzStr(w.line("Region", r)["parent"]) {
		if authzStr(w.line("Region", r)["level"]) == level {
			return r
		}
	}
	return ""
}

// authzVis is what one principal may see: type -> identity -> true.
type authzVis map[string]map[string]bool

func (v authzVis) sees(typ, code string) bool { return v[typ][code] }

// visible works out what p may see.
func (w *authzWorld) visible(p authzPrincipal) authzVis {
	v := authzVis{}
	kind, anchor, _ := strings.Cut(p.scope, ":")
	// A partner's alliances and the communities leading them.
	partnerAlliances, partnerCommunities := map[string]bool{}, map[string]bool{}
	if kind == "organization" {
		for _, m := range w.byType["Membership"] {
			if authzStr(m["organization"]) == anchor {
				a := authzStr(m["alliance"])
				partnerAlliances[a] = true
				partnerCommunities[authzStr(w.line("Alliance", a)["leadCommunity"])] = true
			}
		}
	}
	for _, typ := range authzTypes {
		v[typ] = map[string]bool{}
		for _, code := range w.codes(typ) {
			l := w.line(typ, code)
			var ok bool
			switch {
			case p.role == auth.Admin || typ == "ServiceCategory" || kind == "":
				ok = p.role != ""
			case authzOwner[typ] != [2]string{}:
				o := authzOwner[typ]
				ok = v.sees(o[1], authzStr(l[o[0]]))
			case kind == "region":
				r := w.regionOf(typ, code)
				ok = r != "" && w.under(r, anchor)
			case kind == "organization":
				switch typ {
				case "Organization":
					ok = code == anchor
				case "Alliance":
					ok = partnerAlliances[code]
				case "Membership":
					ok = authzStr(l["organization"]) == anchor
				case "Community":
					ok = partnerCommunities[code]
				case "ServiceRecord":
					ok = partnerCommunities[authzStr(l["community"])] || authzStr(l["provider"]) == anchor
				case "Demand":
					ok = partnerCommunities[authzStr(l["community"])] || authzStr(l["assignedTo"]) == anchor
				}
			}
			if ok {
				v[typ][code] = true
			}
		}
	}
	return v
}

// lines lists the visible lines of a type, by code.
func (w *authzWorld) lines(v authzVis, typ string) []line {
	var out []line
	for _, c := range w.codes(typ) {
		if v.sees(typ, c) {
			out = append(out, w.line(typ, c))
		}
	}
	return out
}

// seenCodes lists the visible codes of a type, sorted.
func (v authzVis) seenCodes(typ string) []string {
	var out []string
	for c := range v[typ] {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// mentoredThrough reports whether a mentorship the principal sees pairs
// mentor and trainee: Person.mentees and Person.mentors are read through
// mentorships, so a pairing recorded only in a hidden mentorship is hidden.
func (w *authzWorld) mentoredThrough(v authzVis, mentor, trainee string) bool {
	for _, m := range w.lines(v, "Mentorship") {
		if authzStr(m["mentor"]) == mentor && authzStr(m["trainee"]) == trainee {
			return true
		}
	}
	return false
}

// authzLink is one step of a mentor lineage.
type authzLink struct {
	depth                int
	mentor, trainee, via string // via: the mentorship
}

// lineage walks down from root through the mentorships the principal sees
// (a hidden mentorship is no step of any walk), each mentorship once at its
// smallest depth.
func (w *authzWorld) lineage(v authzVis, root string, maxDepth int) map[string]authzLink {
	out := map[string]authzLink{}
	frontier := map[string]bool{root: true}
	for d := 1; len(frontier) > 0 && (maxDepth == 0 || d <= maxDepth); d++ {
		next := map[string]bool{}
		for _, m := range w.lines(v, "Mentorship") {
			code := authzIdentity(m)
			if _, seen := out[code]; seen || !frontier[authzStr(m["mentor"])] {
				continue
			}
			out[code] = authzLink{depth: d, mentor: authzStr(m["mentor"]), trainee: authzStr(m["trainee"]), via: code}
			next[authzStr(m["trainee"])] = true
		}
		frontier = next
	}
	return out
}

// authzSummary is Region.summary as the model expects it.
type authzSummary struct {
	Communities, Villages, Alliances, MemberOrganizations, PartyMembersServing       int
	Studios, Trainees, ElectedFromStudios, PeopleServed, ProblemsSolved, OpenDemands int
}

// summary works out Region.summary of region over what v sees; today is
// the day memberships are current on (left_on empty or later).
func (w *authzWorld) summary(v authzVis, region, today string) authzSummary {
	var s authzSummary
	in := func(typ string, l line) bool { return w.under(w.regionOf(typ, authzIdentity(l)), region) }
	for _, c := range w.lines(v, "Community") {
		if in("Community", c) {
			s.Communities++
			if c["kind"] == "VILLAGE" {
				s.Villages++
			}
		}
	}
	for _, a := range w.lines(v, "Alliance") {
		if in("Alliance", a) {
			s.Alliances++
		}
	}
	orgs := map[string]bool{}
	for _, m := range w.lines(v, "Membership") {
		if in("Membership", m) && (authzStr(m["leftOn"]) == "" || authzStr(m["leftOn"]) > today) {
			orgs[authzStr(m["organization"])] = true
		}
	}
	s.MemberOrganizations = len(orgs)
	for _, p := range w.lines(v, "Person") {
		if in("Person", p) && p["partyMember"] == true && authzHasRole(p, "VOLUNTEER") {
			s.PartyMembersServing++
		}
	}
	for _, st := range w.lines(v, "Studio") {
		if in("Studio", st) {
			s.Studios++
		}
	}
	trainees, elected := map[string]bool{}, map[string]bool{}
	for _, m := range w.lines(v, "Mentorship") {
		if in("Mentorship", m) {
			trainees[authzStr(m["trainee"])] = true
			if o := authzStr(m["outcome"]); o == "ELECTED_SECRETARY" || o == "ELECTED_DEPUTY_SECRETARY" {
				elected[authzStr(m["trainee"])] = true
			}
		}
	}
	s.Trainees, s.ElectedFromStudios = len(trainees), len(elected)
	for _, r := range w.lines(v, "ServiceRecord") {
		if in("ServiceRecord", r) {
			s.PeopleServed += r["peopleServed"].(int)
			if r["resolved"] == true {
				s.ProblemsSolved++
			}
		}
	}
	for _, d := range w.lines(v, "Demand") {
		if in("Demand", d) && d["status"] != "RESOLVED" && d["status"] != "CLOSED" {
			s.OpenDemands++
		}
	}
	return s
}

func authzHasRole(p line, role string) bool {
	roles, _ := p["roles"].([]string)
	for _, r := range roles {
		if r == role {
			return true
		}
	}
	return false
}

// authzCoverage is Region.coverage as the model expects it.
type authzCoverage struct {
	Communities, WithAlliance, WithGraduateSecretary, WithMarket int
}

// coverage works out Region.coverage of region over what v sees, with
// markets counted in [from, to).
func (w *authzWorld) coverage(v authzVis, region string, from, to time.Time) authzCoverage {
	var c authzCoverage
	for _, cm := range w.lines(v, "Community") {
		code := authzStr(cm["code"])
		if !w.under(w.regionOf("Community", code), region) {
			continue
		}
		c.Communities++
		for _, a := range w.lines(v, "Alliance") {
			if authzStr(a["leadCommunity"]) == code {
				c.WithAlliance++
				break
			}
		}
		graduate := false
		for _, p := range w.lines(v, "Person") {
			if authzStr(p["community"]) != code || !authzHasRole(p, "SECRETARY") {
				continue
			}
			for _, m := range w.lines(v, "Mentorship") {
				if authzStr(m["trainee"]) == authzStr(p["code"]) {
					graduate = true
				}
			}
		}
		if graduate {
			c.WithGraduateSecretary++
		}
		for _, e := range w.lines(v, "ServiceEvent") {
			at, _ := time.Parse(time.RFC3339, authzStr(e["startsAt"]))
			if authzStr(e["community"]) == code && e["kind"] == "MARKET" && !at.Before(from) && at.Before(to) {
				c.WithMarket++
				break
			}
		}
	}
	return c
}
