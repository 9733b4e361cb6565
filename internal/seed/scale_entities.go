package seed

// The structural part of the synthetic world: regions, units, people and
// their posts and grades, alliances, studios. Each line is a function of its
// index and the seed, so the generators never need to look back at what they
// emitted.

// regions emits the province (code 91, unused by GB/T 2260, so synthetic data
// never overwrites a real region), its cities, districts and streets.
func (g *gen) regions(emit Emit) error {
	if err := emit(Line{"type": "Region", "code": "910000", "name": "示范省", "level": "PROVINCE"}); err != nil {
		return err
	}
	for ci := range g.nCities {
		if err := emit(Line{"type": "Region", "code": g.cityCode(ci), "name": g.cityName(ci),
			"level": "CITY", "parent": "910000"}); err != nil {
			return err
		}
	}
	for d := range g.nDist {
		if err := emit(Line{"type": "Region", "code": g.districtCode(d), "name": g.districtName(d),
			"level": "DISTRICT", "parent": g.cityCode(d / g.p.districts)}); err != nil {
			return err
		}
	}
	for s := range g.nStreets {
		d := s / g.p.streets
		if err := emit(Line{"type": "Region", "code": g.streetCode[s], "name": g.streetName(s),
			"level": "STREET", "parent": g.districtCode(d)}); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) cityName(ci int) string {
	r := newStream(g.seed, kRegion, uint64(ci))
	return placeName(r.next(), "", "市")
}

func (g *gen) districtName(d int) string {
	r := newStream(g.seed, kRegion, uint64(1000+d))
	if g.rural[d] {
		return placeName(r.next(), "", "县")
	}
	return placeName(r.next(), "", "区")
}

func (g *gen) streetName(s int) string {
	r := newStream(g.seed, kRegion, uint64(1_000_000+s))
	if g.rural[s/g.p.streets] {
		return placeName(r.next(), "", "镇")
	}
	return placeName(r.next(), "", "街道")
}

func (g *gen) categories(emit Emit) error {
	for _, l := range categoryLines() {
		if err := emit(l); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) communities(emit Emit) error {
	for c := range g.nComm {
		r := newStream(g.seed, kCommunity, uint64(c))
		r.next() // the name's draw, taken in prepare
		kind, pop := "URBAN", r.between(6000, 30000)
		if g.village[c] {
			kind, pop = "VILLAGE", r.between(500, 3000)
		}
		if err := emit(Line{"type": "Community", "code": g.commCode[c], "name": g.commName[c], "kind": kind,
			"region": g.streetCode[c/g.p.communes], "population": pop,
			"households": pop * 10 / r.between(25, 32)}); err != nil {
			return err
		}
	}
	return nil
}

// unitKinds are the four units of a community beyond its committee, station,
// branch and clinic.
var unitKinds = []struct{ kind, suffix string }{
	{"ENTERPRISE", "科技有限公司"}, {"MERCHANT", "便民超市"}, {"SOCIAL_ORGANIZATION", "志愿服务协会"},
	{"PUBLIC_INSTITUTION", "小学"}, {"ENTERPRISE", "物业服务有限公司"}, {"MERCHANT", "家电维修部"},
	{"SOCIAL_ORGANIZATION", "社会工作服务中心"}, {"ENTERPRISE", "商贸有限公司"},
}

func (g *gen) orgs(emit Emit) error {
	org := func(i int, name, kind, region string, community any, parent int) error {
		l := Line{"type": "Organization", "code": g.orgCode[i], "name": name, "kind": kind, "region": region}
		if community != nil {
			l["community"] = community
		}
		if parent >= 0 {
			l["parent"] = g.orgCode[parent]
		}
		return emit(l)
	}
	for ci := range g.nCities {
		if err := org(g.cityOrg(ci), "中共"+g.cityName(ci)+"委员会", "PARTY_COMMITTEE", g.cityCode(ci), nil, -1); err != nil {
			return err
		}
	}
	for d := range g.nDist {
		dc, name := g.districtCode(d), g.districtName(d)
		if err := org(g.districtOrg(d, 0), "中共"+name+"委员会", "PARTY_COMMITTEE", dc, nil, g.cityOrg(d/g.p.districts)); err != nil {
			return err
		}
		if err := org(g.districtOrg(d, 1), "中共"+name+"委员会党校", "PUBLIC_INSTITUTION", dc, nil, g.districtOrg(d, 0)); err != nil {
			return err
		}
	}
	for s := range g.nStreets {
		name := g.streetName(s)
		if err := org(g.streetOrg(s, 0), "中共"+name+"委员会", "PARTY_COMMITTEE", g.streetCode[s], nil, g.districtOrg(s/g.p.streets, 0)); err != nil {
			return err
		}
		if err := org(g.streetOrg(s, 1), name+"办事处", "GOVERNMENT_AGENCY", g.streetCode[s], nil, -1); err != nil {
			return err
		}
	}
	for c := range g.nComm {
		s := c / g.p.communes
		street, name, cc := g.streetCode[s], g.commName[c], g.commCode[c]
		r := newStream(g.seed, kOrg, uint64(c))
		station, stationKind, clinic := name+"工作站", "GOVERNMENT_AGENCY", name+"卫生服务站"
		if g.village[c] {
			station, stationKind, clinic = name+"民委员会", "OTHER", name+"卫生室"
		}
		if err := org(g.communityOrg(c, 0), "中共"+name+"委员会", "PARTY_COMMITTEE", street, cc, g.streetOrg(s, 0)); err != nil {
			return err
		}
		if err := org(g.communityOrg(c, 1), station, stationKind, street, cc, -1); err != nil {
			return err
		}
		if err := org(g.communityOrg(c, 2), "中共"+name+"第一支部委员会", "PARTY_BRANCH", street, cc, g.communityOrg(c, 0)); err != nil {
			return err
		}
		if err := org(g.communityOrg(c, 3), clinic, "PUBLIC_INSTITUTION", street, cc, -1); err != nil {
			return err
		}
		for k := 4; k < orgsPerCommunity; k++ {
			u := unitKinds[r.intn(len(unitKinds))]
			if err := org(g.communityOrg(c, k), placeName(r.next(), "", u.suffix), u.kind, street, cc, -1); err != nil {
				return err
			}
		}
	}
	return nil
}

// leadsStudio is true for the communities whose secretary leads a studio of
// their street (and whose expert slot holds its theory expert).
func (g *gen) leadsStudio(c int) bool {
	s := c / g.p.communes
	return c%g.p.communes < g.studioBase(s+1)-g.studioBase(s)
}

func (g *gen) persons(emit Emit) error {
	for c := range g.nComm {
		for slot := range g.p.people {
			if err := emit(g.person(c, slot)); err != nil {
				return err
			}
		}
	}
	return nil
}

// person derives the slot-th person of community c; see the slot constants.
func (g *gen) person(c, slot int) Line {
	r := newStream(g.seed, kPerson, uint64(c*g.p.people+slot))
	female := r.pct(50)
	gender := "M"
	if female {
		gender = "F"
	}
	name := personName(r.next(), female)
	for reservedNames[name] {
		name = personName(r.next(), female)
	}
	var roles []string
	org, party, birth := -1, false, 0
	switch {
	case slot == slotSecretary:
		roles, org, party, birth = []string{"PARTY_MEMBER", "SECRETARY"}, g.communityOrg(c, 0), true, r.between(1965, 1985)
		if g.leadsStudio(c) {
			roles = append(roles, "MENTOR")
		}
	case slot == slotDeputy:
		roles, org, party, birth = []string{"PARTY_MEMBER", "DEPUTY_SECRETARY"}, g.communityOrg(c, 0), true, r.between(1970, 1990)
	case slot == slotDoctor:
		roles, org, party, birth = []string{"DOCTOR"}, g.communityOrg(c, 3), r.pct(40), r.between(1965, 1992)
	case slot < slotExpert: // workers, the last eight of them studio trainees
		roles, org, party, birth = []string{"COMMUNITY_WORKER"}, g.communityOrg(c, 1), r.pct(50), r.between(1975, 2000)
		if slot%3 == 0 {
			roles[0] = "GRID_WORKER"
		}
		if slot >= slotTrainees {
			roles, party, birth = append(roles, "TRAINEE"), true, r.between(1985, 1998)
		}
		if party {
			roles = append(roles, "PARTY_MEMBER")
		}
	case slot == slotExpert && g.leadsStudio(c):
		roles, org, party, birth = []string{"PARTY_MEMBER", "EXPERT"}, g.districtOrg(c/g.p.communes/g.p.streets, 1), true, r.between(1960, 1980)
	default:
		roles, birth = []string{"RESIDENT"}, r.between(1940, 2010)
		switch v := r.intn(100); {
		case v < 20:
			roles, party, org = append(roles, "PARTY_MEMBER", "VOLUNTEER"), true, g.communityOrg(c, 2)
		case v < 35:
			roles, party, org = append(roles, "PARTY_MEMBER"), true, g.communityOrg(c, 2)
		case v < 42:
			roles, org = append(roles, "VOLUNTEER"), g.communityOrg(c, 6)
		}
	}
	l := Line{"type": "Person", "code": g.personCode(c, slot), "name": name, "gender": gender,
		"birthYear": birth, "phone": phoneNumber(c*g.p.people + slot + 1), "community": g.commCode[c],
		"partyMember": party, "roles": roles}
	if org >= 0 {
		l["organization"] = g.orgCode[org]
	}
	return l
}

func (g *gen) positions(emit Emit) error {
	for c := range g.nComm {
		r := newStream(g.seed, kPerson, uint64(c)<<8|0xff)
		sec, dep := "社区党委书记", "社区党委副书记"
		if g.village[c] {
			sec, dep = "村党组织书记", "村党组织副书记"
		}
		if err := emit(Line{"type": "Position", "person": g.personCode(c, slotSecretary), "organization": g.orgCode[g.communityOrg(c, 0)],
			"title": sec, "from": date(r.between(2012, 2021), r.between(1, 12), 1)}); err != nil {
			return err
		}
		if err := emit(Line{"type": "Position", "person": g.personCode(c, slotDeputy), "organization": g.orgCode[g.communityOrg(c, 0)],
			"title": dep, "from": date(r.between(2015, 2022), r.between(1, 12), 1)}); err != nil {
			return err
		}
	}
	return nil
}

// grades gives every worker an entry grade and one promotion.
func (g *gen) grades(emit Emit) error {
	for c := range g.nComm {
		for slot := slotWorkers; slot < slotExpert; slot++ {
			if slot == slotDoctor {
				continue
			}
			r := newStream(g.seed, kPerson, uint64(c*g.p.people+slot)<<8|0xfe)
			p := g.personCode(c, slot)
			tier, step, year := 1, r.between(1, 3), r.between(2017, 2020)
			for range gradesPerWorker {
				if err := emit(Line{"type": "GradeChange", "person": p, "tier": tier, "step": step,
					"effectiveOn": date(year, r.between(1, 12), 1)}); err != nil {
					return err
				}
				year += r.between(2, 3)
				if step += r.between(1, 2); step > 6 {
					tier, step = tier+1, 1
				}
			}
		}
	}
	return nil
}

// chooseMembers picks each alliance's members among the six non-leading
// units of every community of its street, without repeats.
func (g *gen) chooseMembers() {
	m, pool := g.p.members, 6*g.p.communes
	g.members = make([]int32, 0, len(g.alliance)*m)
	idx := make([]int, pool)
	for a := range g.alliance {
		c := a / g.p.alliances
		first := c - c%g.p.communes
		r := newStream(g.seed, kMember, uint64(a))
		for i := range idx {
			idx[i] = i
		}
		for k := range m {
			j := k + r.intn(pool-k)
			idx[k], idx[j] = idx[j], idx[k]
			g.members = append(g.members, int32(g.communityOrg(first+idx[k]/6, 2+idx[k]%6)))
		}
	}
}

var allianceThemes = []string{"党建联盟", "红色物业联盟", "为老服务联盟", "平安共建联盟"}

// founding opens alliance a's stream and draws its founding date, which its
// memberships reuse as their earliest signing date.
func (g *gen) founding(a int) (r stream, y, m, d int) {
	r = newStream(g.seed, kAlliance, uint64(a))
	return r, r.between(2019, 2022), r.between(1, 12), r.between(1, 28)
}

func (g *gen) allianceLines(emit Emit) error {
	for a := range g.alliance {
		c := a / g.p.alliances
		_, y, m, d := g.founding(a)
		if err := emit(Line{"type": "Alliance", "code": g.alliance[a],
			"name": g.commName[c] + allianceThemes[a%g.p.alliances%len(allianceThemes)], "leadCommunity": g.commCode[c],
			"foundedOn": date(y, m, d)}); err != nil {
			return err
		}
	}
	return nil
}

var commitmentCodes = []string{"MEDICAL", "LEGAL_AID", "SKILLS_TRAINING", "EMPLOYMENT", "CULTURE_SPORTS",
	"HOME_CARE", "POLICY_CONSULTING", "MEDIATION", "APPLIANCE_REPAIR"}

func (g *gen) memberships(emit Emit) error {
	m := g.p.members
	for a := range g.alliance {
		r, y, mo, d := g.founding(a)
		founded := date(y, mo, d)
		for k := range m {
			// Most units sign at the founding; the others join a year or two later.
			signed, sy := founded, y
			if r.pct(30) {
				sy = y + r.between(1, 2)
				signed = date(sy, r.between(1, 12), r.between(1, 28))
			}
			l := Line{"type": "Membership", "alliance": g.alliance[a], "organization": g.orgCode[g.members[a*m+k]],
				"signedOn": signed}
			n := 1 + r.intn(3)
			cs := make([]string, 0, n)
			for i := range n {
				cs = append(cs, commitmentCodes[(k+i*4)%len(commitmentCodes)])
			}
			l["commitments"] = cs
			if r.pct(5) && sy < 2024 {
				l["leftOn"] = date(r.between(sy+1, 2024), r.between(1, 12), r.between(1, 28))
			}
			if err := emit(l); err != nil {
				return err
			}
		}
	}
	return nil
}
