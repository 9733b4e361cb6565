package seed

import (
	"fmt"
	"strconv"
	"time"
)

// Scale data has the shape of the article's cities without its story: a
// province of cities, districts (30% of them rural counties whose towns hold
// villages), streets, communities; in every community a party committee, a
// work station and six other units, a secretary and a deputy, fifteen graded
// workers (eight of them studio trainees), a doctor, residents, volunteers;
// alliances of units of the same street; 2–3 studios per street with yearly
// cohorts; monthly events in every community; and three years of service
// records (2022-01-01 to 2024-12-31, +08:00) with a demand for every twentieth.
//
// Row counts do not depend on the seed, so Counts is exact.

// plan is the shape of one size.
type plan struct {
	name                                 string
	cities, districts, streets, communes int // per parent: cities per province, districts per city, ...
	people                               int // per community
	alliances                            int // per community
	members                              int // per alliance
	records                              int // in total
}

var plans = []plan{
	{"small", 1, 3, 4, 4, 104, 1, 10, 50_000},
	// medium is city with a tenth of its records: the same tree, people and
	// alliances, so that comparing the two measures the cost of records.
	{"medium", 1, 10, 10, 10, 100, 2, 10, 1_000_000},
	{"city", 1, 10, 10, 10, 100, 2, 10, 10_000_000},
	{"province", 10, 10, 10, 10, 100, 2, 10, 100_000_000},
}

// Fixed parts of the shape.
const (
	orgsPerCommunity  = 8  // committee, station, branch, clinic, four units
	workersPerComm    = 15 // slots 2..8 and 10..17, each with two grade changes
	gradesPerWorker   = 2
	cohortFirst       = 2019
	cohortLast        = 2024
	traineesPerCohort = 4
	topicsPerStudio   = 5 // one a year 2020..2024
	casesPerStudio    = 2 // 2021 and 2023
	scaleMonths       = 36
	demandEvery       = 20 // one demand per twenty records: ~5%
)

// Person slots within a community: the n-th person of every community has
// the same job, so any generator can name, say, a community's doctor without
// looking anything up. Slots 2..8 are workers, 10..17 workers who are also
// studio trainees; the expert slot holds a theory expert in communities that
// lead a studio and a resident elsewhere.
const (
	slotSecretary = 0
	slotDeputy    = 1
	slotWorkers   = 2
	slotDoctor    = 9
	slotTrainees  = 10
	slotExpert    = 18
	slotResidents = 19
)

// Sizes lists the names Scale accepts, smallest first: "small", "medium",
// "city", "province".
func Sizes() []string {
	out := make([]string, len(plans))
	for i, p := range plans {
		out[i] = p.name
	}
	return out
}

func planOf(size string) (plan, error) {
	for _, p := range plans {
		if p.name == size {
			return p, nil
		}
	}
	return plan{}, fmt.Errorf("unknown size %q (want one of %v)", size, Sizes())
}

// Counts documents the approximate row counts of a size (entity type -> rows),
// for the README. They are in fact exact: the shape does not depend on the seed.
func Counts(size string) (map[string]int, error) {
	p, err := planOf(size)
	if err != nil {
		return nil, err
	}
	g := shape(p)
	studios := g.studioBase(g.nStreets)
	return map[string]int{
		"Region":          1 + g.nCities + g.nDist + g.nStreets,
		"ServiceCategory": len(categories),
		"Community":       g.nComm,
		"Organization":    g.nCities + 2*g.nDist + 2*g.nStreets + orgsPerCommunity*g.nComm,
		"Person":          g.nComm * p.people,
		"Position":        2 * g.nComm,
		"GradeChange":     workersPerComm * gradesPerWorker * g.nComm,
		"Alliance":        p.alliances * g.nComm,
		"Membership":      p.members * p.alliances * g.nComm,
		"Studio":          studios,
		"Mentorship":      studios * (cohortLast - cohortFirst + 1) * traineesPerCohort,
		"ResearchTopic":   studios * topicsPerStudio,
		"Case":            studios * casesPerStudio,
		"ServiceEvent":    scaleMonths * g.nComm,
		"Demand":          g.nDemands,
		"ServiceRecord":   p.records,
	}, nil
}

// Scale emits deterministic synthetic data of the given size; the same seed
// gives the same lines.
func Scale(size string, seed int64, emit Emit) error {
	p, err := planOf(size)
	if err != nil {
		return err
	}
	g := shape(p)
	g.seed = seed
	g.prepare()
	steps := []func(Emit) error{
		g.regions, g.categories, g.communities, g.orgs, g.persons, g.positions, g.grades,
		g.allianceLines, g.memberships, g.studios, g.mentorships, g.topics, g.cases, g.events,
		g.demands, g.records,
	}
	for _, step := range steps {
		if err := step(emit); err != nil {
			return err
		}
	}
	return nil
}

// gen holds the structure of the synthetic world: counts, and the codes the
// hot loops refer to, precomputed and already boxed as `any` so that putting
// them into a Line does not allocate.
type gen struct {
	p                               plan
	seed                            int64
	nCities, nDist, nStreets, nComm int
	nDemands                        int

	streetCode []string
	rural      []bool // per district: a county whose streets are towns
	commCode   []any
	commName   []string
	village    []bool
	orgCode    []any
	alliance   []any
	members    []int32 // alliance a's members are members[a*M : a*M+M], org indexes
	eventCode  []any
	catCode    []any
	days       []string // "2022-01-01T" for every day of the span
	monthDay   []int    // day index of the first day of each month
}

var (
	spanStart = time.Date(2022, 1, 1, 0, 0, 0, 0, cst)
	spanEnd   = time.Date(2025, 1, 1, 0, 0, 0, 0, cst)
	spanDays  = int(spanEnd.Sub(spanStart).Hours() / 24)
)

// shape computes the counts of a plan.
func shape(p plan) *gen {
	g := &gen{p: p, nCities: p.cities}
	g.nDist = g.nCities * p.districts
	g.nStreets = g.nDist * p.streets
	g.nComm = g.nStreets * p.communes
	g.nDemands = (p.records + demandEvery - 1) / demandEvery
	return g
}

// studioBase is the number of studios in streets before street s: street s
// runs 2 + s%2 studios.
func (g *gen) studioBase(s int) int { return 2*s + s/2 }

// prepare builds the codes and lookup tables the generators share.
func (g *gen) prepare() {
	g.rural = make([]bool, g.nDist)
	for d := range g.nDist {
		g.rural[d] = d%g.p.districts >= (g.p.districts*7+9)/10
	}
	g.streetCode = make([]string, g.nStreets)
	for s := range g.nStreets {
		d := s / g.p.streets
		n := s%g.p.streets + 1
		if g.rural[d] {
			n += 99 // towns are numbered from 100
		}
		g.streetCode[s] = g.districtCode(d) + pad3(n)
	}
	g.commCode = make([]any, g.nComm)
	g.commName = make([]string, g.nComm)
	g.village = make([]bool, g.nComm)
	for c := range g.nComm {
		s, k := c/g.p.communes, c%g.p.communes
		r := newStream(g.seed, kCommunity, uint64(c))
		g.village[c] = g.rural[s/g.p.streets] && k > 0 // a town's first community is its seat
		n, suffix := k+1, "社区"
		if g.village[c] {
			n, suffix = 200+k, "村"
		}
		g.commCode[c] = g.streetCode[s] + pad3(n)
		g.commName[c] = placeName(r.next(), "", suffix)
	}
	nOrgs := g.nCities + 2*g.nDist + 2*g.nStreets + orgsPerCommunity*g.nComm
	g.orgCode = make([]any, nOrgs)
	for i := range nOrgs {
		g.orgCode[i] = code("ORG-", i+1, 6)
	}
	g.alliance = make([]any, g.p.alliances*g.nComm)
	for i := range g.alliance {
		g.alliance[i] = code("AL-", i+1, 5)
	}
	g.eventCode = make([]any, scaleMonths*g.nComm)
	for i := range g.eventCode {
		g.eventCode[i] = code("EV-", i+1, 7)
	}
	g.catCode = make([]any, len(categories))
	for i, c := range categories {
		g.catCode[i] = c.code
	}
	g.days = make([]string, spanDays)
	for i := range g.days {
		g.days[i] = spanStart.AddDate(0, 0, i).Format("2006-01-02T")
	}
	for m := range scaleMonths {
		g.monthDay = append(g.monthDay, int(spanStart.AddDate(0, m, 0).Sub(spanStart).Hours()/24))
	}
	g.chooseMembers()
}

func (g *gen) cityCode(ci int) string { return "91" + pad2(ci+1) + "00" }
func (g *gen) districtCode(d int) string {
	return g.cityCode(d / g.p.districts)[:4] + pad2(d%g.p.districts+1)
}

// Organization indexes, parents before children: city committees, then per
// district a committee and a party school, per street a committee and an
// office, per community orgsPerCommunity units.
func (g *gen) cityOrg(ci int) int       { return ci }
func (g *gen) districtOrg(d, k int) int { return g.nCities + 2*d + k }
func (g *gen) streetOrg(s, k int) int   { return g.nCities + 2*g.nDist + 2*s + k }
func (g *gen) communityOrg(c, k int) int {
	return g.nCities + 2*g.nDist + 2*g.nStreets + orgsPerCommunity*c + k
}

// personCode is the code of slot slot of community c.
func (g *gen) personCode(c, slot int) string { return code("P-", c*g.p.people+slot+1, 7) }

// code formats prefix plus n zero-padded to width digits.
func code(prefix string, n, width int) string {
	var buf [32]byte
	b := append(buf[:0], prefix...)
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], int64(n), 10)
	for i := len(d); i < width; i++ {
		b = append(b, '0')
	}
	return string(append(b, d...))
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
