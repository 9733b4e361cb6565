package seed

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// cst is China Standard Time; every time in the data carries +08:00.
var cst = time.FixedZone("CST", 8*3600)

// articleSeed fixes the article scenario: the demo must look the same on every
// machine and in every test run.
const articleSeed = 20220615

// Article emits the article scenario of shared/seed/figures.md: Shenzhen
// (Nanshan's studio pipeline and the city's graded workforce), Songyuan (the
// party-building alliances around 郭尔罗斯社区) and Xinchang (城南乡's
// service markets). Lines are built into per-type buckets first, because one
// place's story touches many types, and then emitted in typeOrder.
func Article(emit Emit) error {
	b := newBook()
	b.lines[tServiceCategory] = categoryLines()
	b.shenzhen()
	b.nanshan()
	b.shenzhenStudios()
	b.songyuan()
	b.guoerluosi()
	b.xinchang()
	return b.flush(emit)
}

// book collects the article's lines by type and hands out codes.
type book struct {
	rng    *rand.Rand
	lines  [numTypes][]Line
	seq    [numTypes]int
	phones int
	places map[string]bool // community and village names in use, to keep them distinct

	// Shenzhen, filled by shenzhen() and used by the studio chapters.
	szCity         string
	szDistricts    map[string]szDistrictOrgs
	nanshanStreets []*szStreet
	otherStreets   []*szStreet

	sy *sy // Songyuan, filled by songyuan() for guoerluosi()
}

func newBook() *book {
	return &book{
		rng:    rand.New(rand.NewPCG(articleSeed, articleSeed>>1)),
		places: map[string]bool{},
	}
}

// flush emits every bucket in dependency order.
func (b *book) flush(emit Emit) error {
	for t := range b.lines {
		for _, l := range b.lines[t] {
			if err := emit(l); err != nil {
				return fmt.Errorf("emitting %s line: %w", typeOrder[t], err)
			}
		}
	}
	return nil
}

func (b *book) add(t int, l Line) Line {
	l["type"] = typeOrder[t]
	b.lines[t] = append(b.lines[t], l)
	return l
}

// code hands out the next code of a type: prefix plus a zero-padded number.
func (b *book) code(t int, prefix string, width int) string {
	b.seq[t]++
	return fmt.Sprintf("%s%0*d", prefix, width, b.seq[t])
}

// between returns a uniform int in [lo, hi].
func (b *book) between(lo, hi int) int { return lo + b.rng.IntN(hi-lo+1) }

// chance is true with probability p.
func (b *book) chance(p float64) bool { return b.rng.Float64() < p }

func (b *book) region(code, name, level, parent string) {
	l := Line{"code": code, "name": name, "level": level}
	if parent != "" {
		l["parent"] = parent
	}
	b.add(tRegion, l)
}

func (b *book) community(code, name, kind, street string, population, households int) {
	b.places[name] = true
	b.add(tCommunity, Line{"code": code, "name": name, "kind": kind, "region": street,
		"population": population, "households": households})
}

// placeName draws a community or village name not used yet in the scenario.
func (b *book) placeName(suffix string) string {
	for {
		n := placeName(b.rng.Uint64(), "", suffix)
		if !b.places[n] {
			b.places[n] = true
			return n
		}
	}
}

// org adds an organization and returns its code; community and parent may be empty.
func (b *book) org(name, kind, region, community, parent string) string {
	code := b.code(tOrganization, "ORG-", 4)
	l := Line{"code": code, "name": name, "kind": kind, "region": region}
	if community != "" {
		l["community"] = community
	}
	if parent != "" {
		l["parent"] = parent
	}
	b.add(tOrganization, l)
	return code
}

// who describes a person to add. Empty name or gender are drawn at random;
// zero birth is drawn from [1960, 1995].
type who struct {
	name, gender   string
	birth          int
	community, org string
	party          bool
	roles          []string
}

// person adds a person and returns the line, so that later chapters of the
// story can still add roles (a trainee elected secretary in 2021 becomes a
// SECRETARY) before the lines are emitted.
func (b *book) person(w who) Line {
	if w.gender == "" {
		w.gender = "M"
		if b.rng.IntN(2) == 0 {
			w.gender = "F"
		}
	}
	if w.name == "" {
		w.name = b.name(w.gender == "F")
	}
	if w.birth == 0 {
		w.birth = b.between(1960, 1995)
	}
	b.phones++
	l := Line{"code": b.code(tPerson, "P-", 6), "name": w.name, "gender": w.gender,
		"birthYear": w.birth, "phone": phoneNumber(b.phones), "partyMember": w.party,
		"roles": w.roles}
	if w.roles == nil {
		l["roles"] = []string{}
	}
	if w.community != "" {
		l["community"] = w.community
	}
	if w.org != "" {
		l["organization"] = w.org
	}
	return b.add(tPerson, l)
}

// name draws a random name that is not one of the article's real people.
func (b *book) name(female bool) string {
	for {
		n := personName(b.rng.Uint64(), female)
		if !reservedNames[n] {
			return n
		}
	}
}

// addRole adds a role to a person line unless it is already there.
func addRole(p Line, role string) {
	roles := p["roles"].([]string)
	for _, r := range roles {
		if r == role {
			return
		}
	}
	p["roles"] = append(roles, role)
}

func codeOf(l Line) string { return l["code"].(string) }

// position adds a post; to may be empty for a post still held. It returns the
// line so that a later election can close it.
func (b *book) position(person, org, title, from, to string) Line {
	l := Line{"person": person, "organization": org, "title": title, "from": from}
	if to != "" {
		l["to"] = to
	}
	return b.add(tPosition, l)
}

// grades gives a professional worker a grade history: entry at tier 1 in the
// year of hiring (not before the city's unified grading of 2017), then a
// promotion of one or two steps every two or three years, moving up a tier
// after step 6. This is the "统一入口、分级分档、动态晋升" of the article.
func (b *book) grades(person string, hired int) {
	year := max(hired, 2017)
	tier, step := 1, b.between(1, 3)
	n := b.between(1, 3)
	for i := 0; i < n && year <= 2024; i++ {
		b.add(tGradeChange, Line{"person": person, "tier": tier, "step": step,
			"effectiveOn": date(year, b.between(1, 12), 1)})
		year += b.between(2, 3)
		step += b.between(1, 2)
		if step > 6 {
			if tier < 3 {
				tier, step = tier+1, 1
			} else {
				step = 6
			}
		}
	}
}

// event adds a service event and returns its code. organizer is an
// organization code or, when byAlliance, an alliance code.
func (b *book) event(kind, title, community, organizer string, byAlliance bool, start time.Time, d time.Duration) string {
	code := b.code(tServiceEvent, "EV-", 6)
	l := Line{"code": code, "kind": kind, "title": title, "community": community,
		"startsAt": stamp(start), "endsAt": stamp(start.Add(d))}
	if organizer != "" {
		if byAlliance {
			l["organizerAlliance"] = organizer
		} else {
			l["organizerOrganization"] = organizer
		}
	}
	b.add(tServiceEvent, l)
	return code
}

// rec describes one service record; empty strings are omitted.
type rec struct {
	community, category string
	at                  time.Time
	served              int
	resolved            bool
	provider, person    string // provider organization and provider person
	recipient, event    string
	alliance, demand    string
}

func (b *book) record(r rec) Line {
	l := Line{"code": b.code(tServiceRecord, "SR-", 1), "community": r.community,
		"category": r.category, "occurredAt": stamp(r.at), "peopleServed": r.served,
		"resolved": r.resolved}
	for k, v := range map[string]string{"provider": r.provider, "providerPerson": r.person,
		"recipient": r.recipient, "event": r.event, "alliance": r.alliance, "demand": r.demand} {
		if v != "" {
			l[k] = v
		}
	}
	return b.add(tServiceRecord, l)
}

// date formats a calendar date; out-of-range days roll over as time.Date does.
func date(y, m, d int) string {
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, cst).Format(time.DateOnly)
}

// at is a wall-clock time in China.
func at(y, m, d, hh, mm int) time.Time {
	return time.Date(y, time.Month(m), d, hh, mm, 0, 0, cst)
}

// stamp formats a time as RFC 3339 with the +08:00 offset.
func stamp(t time.Time) string { return t.In(cst).Format(time.RFC3339) }

// saturday returns the n-th (0-based) Saturday of a month.
func saturday(y, m, n int) time.Time {
	t := at(y, m, 1, 0, 0)
	for t.Weekday() != time.Saturday {
		t = t.AddDate(0, 0, 1)
	}
	return t.AddDate(0, 0, 7*n)
}

// months calls f for every month from (y0, m0) to (y1, m1) inclusive.
func months(y0, m0, y1, m1 int, f func(y, m int)) {
	for y, m := y0, m0; y < y1 || (y == y1 && m <= m1); {
		f(y, m)
		if m++; m > 12 {
			y, m = y+1, 1
		}
	}
}
