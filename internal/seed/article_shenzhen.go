package seed

import "strconv"

// Shenzhen's part of the article is about people: studios that train
// community secretaries (Nanshan, see article_nanshan.go; 90+ in the city) and
// a graded, promoted workforce of 19,000 professional community workers and
// grid workers. This file builds the city the story happens in: its
// districts, streets, communities, the party and government units of each,
// every community's secretary, the workers with their grade histories, and the
// studios outside Nanshan.

// nanshanStreets are Nanshan's eight streets with their official division
// codes (there is no 440305004) and the number of studios each runs: the
// article says 2–3 per street.
var nanshanStreets = []struct {
	code, name string
	studios    int
}{
	{"440305001", "南头街道", 3},
	{"440305002", "南山街道", 2},
	{"440305003", "沙河街道", 2},
	{"440305005", "蛇口街道", 3},
	{"440305006", "招商街道", 2},
	{"440305007", "粤海街道", 3},
	{"440305008", "桃源街道", 2},
	{"440305009", "西丽街道", 3},
}

// shenzhenDistricts are the city's other districts with their official codes
// and real street names. Their street codes are numbered in list order, which
// is plausible but not checked against the official list.
var shenzhenDistricts = []struct {
	code, name string
	streets    []string
}{
	{"440303", "罗湖区", []string{"桂园", "黄贝", "东门", "翠竹", "东晓", "南湖", "笋岗", "东湖", "莲塘", "清水河"}},
	{"440304", "福田区", []string{"南园", "园岭", "福田", "沙头", "梅林", "华富", "香蜜湖", "莲花", "华强北", "福保"}},
	{"440306", "宝安区", []string{"新安", "西乡", "航城", "福永", "福海", "沙井", "新桥", "松岗", "燕罗", "石岩"}},
	{"440307", "龙岗区", []string{"平湖", "坂田", "布吉", "吉华", "南湾", "横岗", "园山", "龙城", "龙岗", "宝龙", "坪地"}},
	{"440308", "盐田区", []string{"梅沙", "盐田", "沙头角", "海山"}},
	{"440309", "龙华区", []string{"观湖", "民治", "龙华", "大浪", "福城", "观澜"}},
	{"440310", "坪山区", []string{"坪山", "马峦", "碧岭", "石井", "坑梓", "龙田"}},
	{"440311", "光明区", []string{"光明", "公明", "新湖", "凤凰", "玉塘", "马田"}},
}

const (
	haizhuCode   = "440305007003" // 海珠社区, the contract's example community
	yuehaiStreet = "440305007"
	// szWorkers is how many professional workers the city gets besides the
	// studio trainees: the article's 1.9万, rounded up so that the figure holds.
	szWorkers = 19200
)

// szStreet is a street of Shenzhen with what the studios need from it.
type szStreet struct {
	code, name, district string
	studios              int // how many studios the street runs
	committee            string
	communities          []*szCommunity
}

// szCommunity is an urban community with its party committee, its work
// station (where the professional workers are employed) and its secretary.
type szCommunity struct {
	code, name, street  string
	committee, station  string
	secretary, position Line
}

// szDistrictOrgs are the district-level units the studios hang from.
type szDistrictOrgs struct {
	committee, organization, school string
}

// shenzhen builds the city: regions, units, communities, secretaries, workers.
func (b *book) shenzhen() {
	b.region("440000", "广东省", "PROVINCE", "")
	b.region("440300", "深圳市", "CITY", "440000")
	b.szCity = b.org("中共深圳市委员会", "PARTY_COMMITTEE", "440300", "", "")
	b.szDistricts = map[string]szDistrictOrgs{}

	b.region("440305", "南山区", "DISTRICT", "440300")
	b.districtOrgs("440305", "南山区")
	for _, s := range nanshanStreets {
		b.nanshanStreets = append(b.nanshanStreets, b.szStreet(s.code, s.name, "440305", s.studios, 8, 14))
	}
	for _, d := range shenzhenDistricts {
		b.region(d.code, d.name, "DISTRICT", "440300")
		b.districtOrgs(d.code, d.name)
		for i, name := range d.streets {
			code := d.code + pad3(i+1)
			// The first 13 streets outside Nanshan run two studios, the rest
			// one, which brings the city to 96: the article's "90余个".
			studios := 1
			if len(b.otherStreets) < 13 {
				studios = 2
			}
			b.otherStreets = append(b.otherStreets, b.szStreet(code, name+"街道", d.code, studios, 6, 12))
		}
	}
	b.szWorkforce()
}

// districtOrgs adds a district's party committee, its organization department
// (which runs the studios and the camp) and its party school (the faculty
// pool the theory experts come from).
func (b *book) districtOrgs(code, name string) {
	c := b.org("中共深圳市"+name+"委员会", "PARTY_COMMITTEE", code, "", b.szCity)
	b.szDistricts[code] = szDistrictOrgs{
		committee:    c,
		organization: b.org("中共深圳市"+name+"委员会组织部", "PARTY_COMMITTEE", code, "", c),
		school:       b.org("中共深圳市"+name+"委员会党校", "PUBLIC_INSTITUTION", code, "", c),
	}
}

// szStreet adds a street with its working committee, its office and between
// lo and hi communities.
func (b *book) szStreet(code, name, district string, studios, lo, hi int) *szStreet {
	b.region(code, name, "STREET", district)
	dname := districtName(district)
	s := &szStreet{code: code, name: name, district: district, studios: studios}
	s.committee = b.org("中共深圳市"+dname+name+"工作委员会", "PARTY_COMMITTEE", code, "", b.szDistricts[district].committee)
	b.org("深圳市"+dname+name+"办事处", "GOVERNMENT_AGENCY", code, "", "")
	n := b.between(lo, hi)
	for i := range n {
		cc := &szCommunity{code: code + pad3(i+1), street: code}
		if cc.code == haizhuCode {
			cc.name = "海珠社区"
			b.community(cc.code, cc.name, "URBAN", code, 21000, 7300)
		} else {
			cc.name = b.placeName("社区")
			pop := b.between(8000, 30000)
			b.community(cc.code, cc.name, "URBAN", code, pop, pop*10/b.between(25, 32))
		}
		cc.committee = b.org("中共"+dname+cc.name+"委员会", "PARTY_COMMITTEE", code, cc.code, s.committee)
		cc.station = b.org(dname+cc.name+"工作站", "GOVERNMENT_AGENCY", code, cc.code, "")
		if cc.code != haizhuCode { // 海珠's secretary is 陈慧斌, added by nanshan()
			cc.secretary = b.person(who{community: cc.code, org: cc.committee, party: true,
				birth: b.between(1965, 1982), roles: []string{"PARTY_MEMBER", "SECRETARY"}})
			cc.position = b.position(codeOf(cc.secretary), cc.committee, "社区党委书记",
				date(b.between(2008, 2018), b.between(1, 12), 1), "")
		}
		s.communities = append(s.communities, cc)
	}
	return s
}

func districtName(code string) string {
	if code == "440305" {
		return "南山区"
	}
	for _, d := range shenzhenDistricts {
		if d.code == code {
			return d.name
		}
	}
	return ""
}

// szWorkforce adds the professional community workers and grid workers, each
// employed by a community work station, each with a grade history.
func (b *book) szWorkforce() {
	var all []*szCommunity
	for _, s := range append(append([]*szStreet{}, b.nanshanStreets...), b.otherStreets...) {
		all = append(all, s.communities...)
	}
	for i := range szWorkers {
		c := all[i%len(all)]
		role := "COMMUNITY_WORKER"
		if b.rng.IntN(5) < 2 {
			role = "GRID_WORKER"
		}
		b.worker(c, role, b.between(1970, 2000))
	}
}

// worker adds one professional worker of a community with a grade history.
func (b *book) worker(c *szCommunity, role string, birth int) Line {
	party := b.chance(0.55)
	roles := []string{role}
	if party {
		roles = append(roles, "PARTY_MEMBER")
	}
	p := b.person(who{community: c.code, org: c.station, party: party, birth: birth, roles: roles})
	b.grades(codeOf(p), b.between(max(birth+22, 2010), 2023))
	return p
}

// shenzhenStudios adds the studios outside Nanshan, each led by the secretary
// of one of its street's communities with a theory expert from the district's
// party school, and each with one cohort of four trainees.
func (b *book) shenzhenStudios() {
	experts := map[string][]Line{}
	for _, s := range b.otherStreets {
		d := b.szDistricts[s.district]
		if experts[s.district] == nil {
			for range 4 {
				experts[s.district] = append(experts[s.district], b.person(who{org: d.school, party: true,
					birth: b.between(1960, 1980), roles: []string{"PARTY_MEMBER", "EXPERT"}}))
			}
		}
		for j := range s.studios {
			lead := s.communities[j]
			addRole(lead.secretary, "MENTOR")
			expert := experts[s.district][b.rng.IntN(4)]
			founded := b.between(2018, 2022)
			st := b.studio(s, lead.secretary, expert, founded)
			cohort := max(founded, 2021)
			var trainees []string
			for t := range 4 {
				c := s.communities[b.rng.IntN(len(s.communities))]
				p := b.worker(c, []string{"COMMUNITY_WORKER", "GRID_WORKER"}[t%2], b.between(1985, 1996))
				addRole(p, "TRAINEE")
				trainees = append(trainees, codeOf(p))
				m := Line{"studio": st, "mentor": codeOf(lead.secretary), "trainee": codeOf(p),
					"cohortYear": cohort, "startedOn": date(cohort, 3, 1)}
				if cohort < 2024 {
					m["endedOn"] = date(cohort, 12, 31)
					m["outcome"], m["outcomeYear"] = "RESERVE_CADRE", cohort+1
				} else {
					m["outcome"] = "IN_TRAINING"
				}
				b.add(tMentorship, m)
			}
			b.topic(tResearchTopic, st, codeOf(lead.secretary), trainees[:2], cohort)
			b.topic(tCase, st, codeOf(lead.secretary), trainees[2:], cohort+1)
		}
	}
}

// studio adds a studio named after its street and lead mentor.
func (b *book) studio(s *szStreet, lead, expert Line, founded int) string {
	code := b.code(tStudio, "ST-", 2)
	b.add(tStudio, Line{"code": code,
		"name":   s.name + lead["name"].(string) + "优秀社区党委书记培养工作室",
		"region": s.code, "leadMentor": codeOf(lead), "theoryExpert": codeOf(expert),
		"foundedOn": date(founded, 3, 1)})
	return code
}

// Research topics are the streets' "微改革" studies, led by a secretary with
// workers as members; cases are write-ups of practice for later cohorts.
var (
	topicTitles = []string{
		"老旧小区加装电梯协商议事机制研究", "城中村消防安全网格化治理", "社区党群服务中心错时延时服务",
		"物业矛盾多方联调机制", "智慧社区“一网统管”场景建设", "垃圾分类督导志愿服务常态化",
		"“一老一小”服务阵地共建共享", "商圈楼宇党建联席会议制度", "居民议事会规范化运行",
		"社区基金会撬动社会资源", "网格员“多网合一”巡查模式", "小区党支部参与物业监督",
	}
	caseTitles = []string{
		"以小区党支部全覆盖推动精品社区创建", "党建引领下的城中村综合整治", "联合商家企业共建公共服务阵地",
		"“民生微实事”项目居民点单机制", "社区青年先锋服务队组建实践", "疫情防控中的网格化联防联控",
		"党员“双报到”服务居民实践", "园区专职副书记联系企业机制",
	}
)

// topic adds a research topic (t == tResearchTopic) or a case (t == tCase).
func (b *book) topic(t int, studio, lead string, members []string, year int) {
	l := Line{"studio": studio, "lead": lead, "members": members, "year": year}
	if t == tResearchTopic {
		l["code"] = b.code(t, "RT-", 4)
		l["title"] = topicTitles[b.rng.IntN(len(topicTitles))]
	} else {
		l["code"] = b.code(t, "CASE-", 4)
		l["title"] = caseTitles[b.rng.IntN(len(caseTitles))]
	}
	b.add(t, l)
}

// pad3 formats 1..999 as three digits, the width of street and community suffixes.
func pad3(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}
