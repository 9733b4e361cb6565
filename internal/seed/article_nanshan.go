package seed

import "time"

// Nanshan's talent pipeline is the article's first story: every street runs
// 2–3 studios, each with a lead mentor (a serving community secretary) and a
// theory expert from the district party school; 326 reserve cadres have been
// trained; in the 2021 election 11 secretaries and 63 deputy secretaries came
// from the studios; 30 deputy secretaries went to the youth vanguard camp.
// 陈慧斌 (海珠社区's secretary since 2016) was a first-cohort trainee and now
// leads a studio herself, and one of her trainees mentors the next cohort, so
// the mentor lineage is three generations deep.

const (
	nanshanTrainees  = 326 // "先后培养的326名社区后备干部"
	electedSecretary = 11  // "2021年……有11名社区党委书记"
	electedDeputy    = 63  // "……和63名副书记来自工作室"
	campSize         = 30  // "遴选30名社区党委副书记、园区专职副书记开展特训"
	electionYear     = 2021
)

// haizhuCompounds are the 17 residential compounds of 海珠社区, each with a
// party branch: "实现17个小区党支部全覆盖".
var haizhuCompounds = []string{
	"海珠城", "海月花园", "海富花园", "海印苑", "珠江广场", "蓝湾半岛", "海滨苑", "南光花园", "海典居",
	"荔海春城", "海岸明珠", "学府花园", "阳光棕榈园", "海德名苑", "鸿瑞花园", "海桂苑", "海雅居",
}

// cohort is one year's intake of one Nanshan studio.
type cohort struct {
	studio string
	street *szStreet
	year   int
	mentor Line
}

// mentee is one Nanshan mentorship line with its trainee, kept until outcomes
// are decided.
type mentee struct {
	c       *cohort
	trainee Line
	m       Line
}

func (b *book) nanshan() {
	d := b.szDistricts["440305"]
	var experts []Line
	for range 12 {
		experts = append(experts, b.person(who{org: d.school, party: true,
			birth: b.between(1960, 1980), roles: []string{"PARTY_MEMBER", "EXPERT"}}))
	}
	yuehai := b.nanshanStreets[5]
	haizhu := yuehai.communities[2]
	chen := b.haizhu(haizhu)

	// Studios and their cohorts: the first two of each street opened in 2017
	// and take a cohort every other year; the third ones opened in 2020.
	var cohorts []*cohort
	var chenStudio string
	for i, s := range b.nanshanStreets {
		for j := range s.studios {
			lead := s.communities[j].secretary
			founded, years := 2017, []int{2017, 2019, 2021, 2023}
			if j == 2 {
				founded, years = 2020, []int{2020, 2022, 2024}
			}
			if i == 5 && j == 2 {
				lead = chen
			}
			addRole(lead, "MENTOR")
			st := b.studio(s, lead, experts[len(cohorts)%len(experts)], founded)
			if i == 5 && j == 2 {
				chenStudio = st
			}
			for _, y := range years {
				cohorts = append(cohorts, &cohort{studio: st, street: s, year: y, mentor: lead})
			}
		}
	}
	find := func(studio string, year int) *cohort {
		for _, c := range cohorts {
			if c.studio == studio && c.year == year {
				return c
			}
		}
		panic("seed: no Nanshan cohort " + studio)
	}

	// The scripted people: 陈慧斌 in 粤海's first studio's first cohort;
	// 吴红霞 from the first cohort in 南山街道, elected secretary in 2021;
	// 林晓彤 trained by 陈慧斌, elected secretary, now mentoring herself.
	first := func(street int) *cohort { return cohorts[b.cohortIndex(cohorts, b.nanshanStreets[street])] }
	chenM := b.mentorship(first(5), "", chen)
	chenM.m["outcome"], chenM.m["outcomeYear"] = "PROMOTED", 2020
	wu := b.trainee(b.nanshanStreets[1], who{name: "吴红霞", gender: "F", birth: 1984})
	wuM := b.mentorship(first(1), "", wu)
	lin := b.trainee(yuehai, who{name: "林晓彤", gender: "F", birth: 1988})
	linM := b.mentorship(find(chenStudio, 2020), "", lin)
	addRole(lin, "MENTOR")

	// Everyone else, spread over the cohorts in turn.
	var early, later []*mentee
	linTrainees := 0
	for k := range nanshanTrainees - 3 {
		c := cohorts[k%len(cohorts)]
		mentor := ""
		if c.studio == chenStudio && c.year == 2024 && linTrainees < 2 {
			mentor = codeOf(lin) // the third generation of the lineage
			linTrainees++
		}
		p := b.trainee(c.street, who{birth: b.between(1982, 1996)})
		if c.year <= 2020 {
			early = append(early, b.mentorship(c, mentor, p))
		} else {
			later = append(later, b.mentorship(c, mentor, p))
		}
	}
	b.rng.Shuffle(len(early), func(i, j int) { early[i], early[j] = early[j], early[i] })

	secretaries := append([]*mentee{wuM, linM}, early[:electedSecretary-2]...)
	deputies := early[electedSecretary-2 : electedSecretary-2+electedDeputy]
	rest := early[electedSecretary-2+electedDeputy:]
	taken := map[string]bool{haizhu.code: true}
	for _, s := range b.nanshanStreets {
		for j := range s.studios {
			taken[s.communities[j].code] = true
		}
	}
	for _, e := range secretaries {
		b.elect(e, "ELECTED_SECRETARY", taken)
	}
	for _, e := range deputies {
		b.elect(e, "ELECTED_DEPUTY_SECRETARY", taken)
	}
	for _, e := range append(rest, later...) {
		b.settle(e)
	}
	b.repeaters(rest, cohorts)
	b.camp(d.organization, deputies[:campSize])
	b.nanshanOutput(cohorts, append(append([]*mentee{chenM, wuM, linM}, early...), later...), chen, lin, chenStudio)
}

// cohortIndex returns the index of a street's first cohort.
func (b *book) cohortIndex(cohorts []*cohort, s *szStreet) int {
	for i, c := range cohorts {
		if c.street == s {
			return i
		}
	}
	panic("seed: street without cohorts")
}

// haizhu adds 海珠社区's secretary 陈慧斌 (in post since 2016), the party
// branches of its 17 compounds, and the shops and firms it works with.
func (b *book) haizhu(c *szCommunity) Line {
	chen := b.person(who{name: "陈慧斌", gender: "F", birth: 1973, community: c.code, org: c.committee,
		party: true, roles: []string{"PARTY_MEMBER", "SECRETARY", "TRAINEE"}})
	c.secretary = chen
	c.position = b.position(codeOf(chen), c.committee, "社区党委书记", "2016-05-01", "")
	for _, name := range haizhuCompounds {
		b.org("中共海珠社区"+name+"小区支部委员会", "PARTY_BRANCH", c.street, c.code, c.committee)
	}
	for _, name := range []string{"海珠便民超市", "海珠社区长者饭堂", "海珠社区理发店", "海珠家电维修部", "海珠社区药房"} {
		b.org(name, "MERCHANT", c.street, c.code, "")
	}
	for _, name := range []string{"深圳海珠物业管理有限公司", "深圳南油科技园区服务有限公司", "深圳粤海城市更新有限公司"} {
		b.org(name, "ENTERPRISE", c.street, c.code, "")
	}
	return chen
}

// trainee adds a worker of a community of the street who joins a studio.
func (b *book) trainee(s *szStreet, w who) Line {
	c := s.communities[b.rng.IntN(len(s.communities))]
	role := "COMMUNITY_WORKER"
	if b.chance(0.3) {
		role = "GRID_WORKER"
	}
	w.community, w.org, w.party = c.code, c.station, true
	w.roles = []string{role, "PARTY_MEMBER", "TRAINEE"}
	if w.gender == "" {
		w.gender = "M"
		if b.chance(0.55) {
			w.gender = "F"
		}
	}
	p := b.person(w)
	b.grades(codeOf(p), min(max(w.birth+22, 2008)+b.between(0, 3), 2020))
	return p
}

// mentorship adds a trainee's line in a cohort; mentor "" means the studio's lead.
func (b *book) mentorship(c *cohort, mentor string, trainee Line) *mentee {
	if mentor == "" {
		mentor = codeOf(c.mentor)
	}
	m := b.add(tMentorship, Line{"studio": c.studio, "mentor": mentor, "trainee": codeOf(trainee),
		"cohortYear": c.year, "startedOn": date(c.year, 3, 1)})
	if c.year < 2024 {
		m["endedOn"] = date(c.year, 12, 31)
	}
	return &mentee{c: c, trainee: trainee, m: m}
}

// elect records a 2021 election outcome: the trainee takes a post in a
// community of the street (the previous secretary's post ends that day).
func (b *book) elect(e *mentee, outcome string, taken map[string]bool) {
	e.m["outcome"], e.m["outcomeYear"] = outcome, electionYear
	p := e.trainee
	from := date(electionYear, 3, b.between(15, 31))
	if outcome == "ELECTED_DEPUTY_SECRETARY" {
		addRole(p, "DEPUTY_SECRETARY")
		b.position(codeOf(p), b.committeeOf(p["community"].(string)), "社区党委副书记", from, "")
		return
	}
	c := b.freeCommunity(e.c.street, p["community"].(string), taken)
	taken[c.code] = true
	c.position["to"] = from
	removeRole(c.secretary, "SECRETARY")
	addRole(p, "SECRETARY")
	p["community"], p["organization"] = c.code, c.committee
	c.secretary = p
	c.position = b.position(codeOf(p), c.committee, "社区党委书记", from, "")
}

// freeCommunity prefers the trainee's own community, then any community of
// the street, then any of Nanshan, whose secretary has not changed yet.
func (b *book) freeCommunity(s *szStreet, own string, taken map[string]bool) *szCommunity {
	for _, c := range s.communities {
		if c.code == own && !taken[c.code] {
			return c
		}
	}
	for _, street := range append([]*szStreet{s}, b.nanshanStreets...) {
		for _, c := range street.communities {
			if !taken[c.code] {
				return c
			}
		}
	}
	panic("seed: Nanshan has no community left for an elected secretary")
}

func (b *book) committeeOf(community string) string {
	for _, s := range b.nanshanStreets {
		for _, c := range s.communities {
			if c.code == community {
				return c.committee
			}
		}
	}
	panic("seed: unknown Nanshan community " + community)
}

func removeRole(p Line, role string) {
	var out []string
	for _, r := range p["roles"].([]string) {
		if r != role {
			out = append(out, r)
		}
	}
	p["roles"] = out
}

// settle decides the outcome of a trainee not elected in 2021: most become
// reserve cadres the year after their cohort, some are promoted, a few leave;
// the 2024 cohort is still in training.
func (b *book) settle(e *mentee) {
	y := e.c.year
	switch n := b.rng.IntN(20); {
	case y == 2024:
		e.m["outcome"] = "IN_TRAINING"
	case n < 14:
		e.m["outcome"], e.m["outcomeYear"] = "RESERVE_CADRE", y+1
	case n < 18:
		e.m["outcome"], e.m["outcomeYear"] = "PROMOTED", min(y+2, 2024)
	default:
		e.m["outcome"], e.m["outcomeYear"] = "LEFT", y+1
	}
}

// repeaters send twenty early reserve cadres back for a later cohort in
// another studio, so that "distinct trainees" differs from "mentorships".
func (b *book) repeaters(rest []*mentee, cohorts []*cohort) {
	n := 0
	for _, e := range rest {
		if n == 20 {
			return
		}
		if e.m["outcome"] != "RESERVE_CADRE" {
			continue
		}
		for k := range cohorts {
			c := cohorts[(k+n*7)%len(cohorts)]
			if c.year >= 2021 && c.year <= 2023 && c.studio != e.c.studio {
				again := b.mentorship(c, "", e.trainee)
				again.m["outcome"], again.m["outcomeYear"] = "PROMOTED", c.year+1
				n++
				break
			}
		}
	}
}

// camp is the youth vanguard camp: a CAMP event run by the district's
// organization department, with one CADRE_TRAINING record per deputy secretary.
func (b *book) camp(organizer string, deputies []*mentee) {
	where := b.nanshanStreets[1].communities[0].code
	start := at(2021, 7, 5, 9, 0)
	ev := b.event("CAMP", "南山区社区青年先锋训练营（第一期）", where, organizer, false, start, 4*24*time.Hour+8*time.Hour)
	for i, e := range deputies {
		b.record(rec{community: where, category: "CADRE_TRAINING", at: start.Add(time.Duration(i) * time.Minute),
			served: 1, resolved: true, provider: organizer, recipient: codeOf(e.trainee), event: ev})
	}
}

// nanshanOutput adds each studio's research topics and case, and 陈慧斌's
// write-up of 海珠社区 that the article says trainees praise.
func (b *book) nanshanOutput(cohorts []*cohort, all []*mentee, chen, lin Line, chenStudio string) {
	byStudio := map[string][]string{}
	for _, e := range all {
		byStudio[e.c.studio] = append(byStudio[e.c.studio], codeOf(e.trainee))
	}
	seen := map[string]bool{}
	for _, c := range cohorts {
		if seen[c.studio] {
			continue
		}
		seen[c.studio] = true
		t := byStudio[c.studio]
		b.topic(tResearchTopic, c.studio, codeOf(c.mentor), t[:3], c.year+1)
		b.topic(tResearchTopic, c.studio, codeOf(c.mentor), t[3:5], c.year+3)
		b.topic(tCase, c.studio, codeOf(c.mentor), t[5:6], c.year+2)
	}
	b.add(tCase, Line{"code": b.code(tCase, "CASE-", 4), "studio": chenStudio, "lead": codeOf(chen),
		"members": []string{codeOf(lin)}, "title": "海珠社区党建引领多维共治的探索实践", "year": 2021})
}
