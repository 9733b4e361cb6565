package seed

import "time"

// Xinchang's part of the article is 城南乡's "乡理乡亲" service market: it
// started with haircuts for left-behind elderly villagers, grew to eight kinds
// of service and then more (village supervision liaison, Red Cross first aid,
// jobs), and now travels to all 17 administrative villages of the township.
// County-wide it has served 18,000+ people and solved 450+ problems. At
// 里家廊村, doctor 吕剑涛 measures 朱伯忠's blood pressure and renews his
// prescription, and 陈孝军, a 51-year-old lathe worker, finds a job.

const (
	chengnan      = "330624201" // 城南乡
	lijialangCode = "330624201210"
	// marketServed and marketResolved are what the markets' records add up
	// to: "累计服务1.8万多人次，解决各类问题450余件".
	marketServed   = 18436
	marketResolved = 463
)

// chengnanVillages are the 17 administrative villages, coded 330624201200
// onwards so that 里家廊村 is the contract's example village 330624201210.
// Only 里家廊村 is named in the article; the other names are plausible, not
// the official list.
var chengnanVillages = []string{
	"下岩贝村", "棠村", "石门村", "横板桥村", "镜屏村", "王渡村", "塘里村", "董村", "后溪村", "上坑村",
	"里家廊村", "泉水坑村", "岩下村", "白杨村", "新安村", "峰山村", "林坑村",
}

// marketService is one stall of the market: its category, the unit behind
// it, how many people it serves per session, whether it solves problems, and
// the month it joined the market.
type marketService struct {
	category, provider string
	lo, hi             int
	solves             bool
	since              time.Time
}

func (b *book) xinchang() {
	b.region("330000", "浙江省", "PROVINCE", "")
	b.region("330600", "绍兴市", "CITY", "330000")
	b.region("330624", "新昌县", "DISTRICT", "330600")
	b.region(chengnan, "城南乡", "STREET", "330624")
	countyCommittee := b.org("中共新昌县委员会", "PARTY_COMMITTEE", "330624", "", "")
	united := b.org("中共新昌县委统一战线工作部", "PARTY_COMMITTEE", "330624", "", countyCommittee)
	township := b.org("中共新昌县城南乡委员会", "PARTY_COMMITTEE", chengnan, "", countyCommittee)
	gov := b.org("新昌县城南乡人民政府", "GOVERNMENT_AGENCY", chengnan, "", "")
	clinic := b.org("新昌县城南乡卫生院", "PUBLIC_INSTITUTION", chengnan, "", "")
	firm := b.org("浙江新昌城南精密机械有限公司", "ENTERPRISE", chengnan, "", "")

	villages := make([]string, len(chengnanVillages))
	for i, name := range chengnanVillages {
		code := chengnan + pad3(200+i)
		villages[i] = code
		pop := b.between(600, 2600)
		b.community(code, name, "VILLAGE", chengnan, pop, pop*10/b.between(26, 32))
		branch := b.org("中共新昌县城南乡"+name+"支部委员会", "PARTY_BRANCH", chengnan, code, township)
		b.org("新昌县城南乡"+name+"村民委员会", "OTHER", chengnan, code, "")
		sec := b.person(who{community: code, org: branch, party: true, birth: b.between(1965, 1985),
			roles: []string{"PARTY_MEMBER", "SECRETARY"}})
		b.position(codeOf(sec), branch, "村党支部书记", date(b.between(2017, 2021), b.between(1, 12), 1), "")
	}

	xia := b.person(who{name: "夏六均", gender: "M", birth: 1975, org: township, party: true,
		roles: []string{"PARTY_MEMBER", "SECRETARY"}})
	b.position(codeOf(xia), township, "城南乡党委书记", "2020-09-01", "")
	zhang := b.person(who{name: "章一华", gender: "M", birth: 1972, org: united, party: true, roles: []string{"PARTY_MEMBER"}})
	b.position(codeOf(zhang), united, "新昌县委统战部副部长", "2019-03-01", "")
	lv := b.person(who{name: "吕剑涛", gender: "M", birth: 1983, org: clinic, party: true, roles: []string{"PARTY_MEMBER", "DOCTOR"}})
	zhu := b.person(who{name: "朱伯忠", gender: "M", birth: 1951, community: lijialangCode, roles: []string{"RESIDENT"}})
	chen := b.person(who{name: "陈孝军", gender: "M", birth: 1971, community: lijialangCode, roles: []string{"RESIDENT"}})

	since := func(y, m int) time.Time { return at(y, m, 1, 0, 0) }
	start := since(2022, 1)
	services := []marketService{
		{"HAIRCUT", b.org("城南乡便民理发店", "MERCHANT", chengnan, "", ""), 4, 12, false, start},
		{"HEALTH_CHECK", clinic, 8, 20, false, start},
		{"PRESCRIPTION", clinic, 3, 10, false, start},
		{"APPLIANCE_REPAIR", b.org("新昌县城南家电维修部", "MERCHANT", chengnan, "", ""), 2, 6, true, start},
		{"TRADITIONAL_MENDING", b.org("城南乡传统手艺服务社", "MERCHANT", chengnan, "", ""), 2, 8, true, start},
		{"MEDIATION", b.org("新昌县司法局城南司法所", "GOVERNMENT_AGENCY", chengnan, "", ""), 1, 2, true, start},
		{"LEGAL_AID", b.org("新昌县城南乡法律服务站", "SOCIAL_ORGANIZATION", chengnan, "", ""), 1, 4, true, start},
		{"POLICY_CONSULTING", gov, 2, 8, false, start},
		{"AGRI_TECH", b.org("新昌县城南乡农业综合服务站", "PUBLIC_INSTITUTION", chengnan, "", ""), 2, 6, false, start},
		// The later additions.
		{"JOB_FAIR", b.org("新昌县人力资源和社会保障局", "GOVERNMENT_AGENCY", "330624", "", ""), 3, 10, true, since(2022, 6)},
		{"VILLAGE_SUPERVISION", b.org("中共新昌县城南乡纪律检查委员会", "OTHER", chengnan, "", township), 1, 3, false, since(2023, 1)},
		{"FIRST_AID_TRAINING", b.org("新昌县红十字会", "SOCIAL_ORGANIZATION", "330624", "", ""), 8, 20, false, since(2023, 4)},
	}

	// Markets: every village every other month, 2022 to 2024.
	var stalls []Line // market records whose numbers may be tuned
	var lijialang []time.Time
	lijialangEvents := map[time.Time]string{}
	mi := 0
	months(2022, 1, 2024, 12, func(y, m int) {
		slot := 0
		for v, code := range villages {
			if (v+mi)%2 != 0 {
				continue
			}
			t := at(y, m, 2+3*slot, 7, 30)
			slot++
			ev := b.event("MARKET", "“乡理乡亲”服务集市·"+chengnanVillages[v], code, gov, false, t, 4*time.Hour)
			if code == lijialangCode {
				lijialang = append(lijialang, t)
				lijialangEvents[t] = ev
			}
			for k, s := range services {
				if t.Before(s.since) {
					continue
				}
				r := b.record(rec{community: code, category: s.category, at: t.Add(time.Duration(10+7*k) * time.Minute),
					served: b.between(s.lo, s.hi), resolved: s.solves && b.chance(0.3), provider: s.provider, event: ev})
				if s.category == "PRESCRIPTION" || s.category == "HEALTH_CHECK" {
					r["providerPerson"] = codeOf(lv)
				}
				stalls = append(stalls, r)
			}
		}
		mi++
	})

	// The article's two scenes at 里家廊村, both in 2022: blood pressure and
	// prescription at the first market of the year, the lathe job at the first
	// market with a job stall.
	first, job := lijialang[0], lijialang[0]
	for _, t := range lijialang {
		if !t.Before(services[9].since) {
			job = t
			break
		}
	}
	named := []Line{
		b.record(rec{community: lijialangCode, category: "HEALTH_CHECK", at: first.Add(20 * time.Minute), served: 1,
			resolved: false, provider: clinic, person: codeOf(lv), recipient: codeOf(zhu), event: lijialangEvents[first]}),
		b.record(rec{community: lijialangCode, category: "PRESCRIPTION", at: first.Add(30 * time.Minute), served: 1,
			resolved: true, provider: clinic, person: codeOf(lv), recipient: codeOf(zhu), event: lijialangEvents[first]}),
		b.record(rec{community: lijialangCode, category: "JOB_FAIR", at: job.Add(40 * time.Minute), served: 1,
			resolved: true, provider: firm, recipient: codeOf(chen), event: lijialangEvents[job]}),
	}
	b.tuneMarkets(stalls, named)
}

// tuneMarkets nudges the random stall numbers so that the markets add up to
// exactly the article's figures: people served one at a time across stalls,
// and "solved" flags on stalls that solve problems.
func (b *book) tuneMarkets(stalls, named []Line) {
	served, solved := 0, 0
	for _, r := range append(append([]Line{}, stalls...), named...) {
		served += r["peopleServed"].(int)
		if r["resolved"].(bool) {
			solved++
		}
	}
	for i, idle := 0, 0; served != marketServed; i = (i + 1) % len(stalls) {
		if idle++; idle > len(stalls) {
			panic("seed: cannot tune the markets' people served")
		}
		n := stalls[i]["peopleServed"].(int)
		switch {
		case served < marketServed:
			stalls[i]["peopleServed"] = n + 1
			served, idle = served+1, 0
		case n > 1:
			stalls[i]["peopleServed"] = n - 1
			served, idle = served-1, 0
		}
	}
	solvers := map[string]bool{"APPLIANCE_REPAIR": true, "TRADITIONAL_MENDING": true, "MEDIATION": true,
		"LEGAL_AID": true, "JOB_FAIR": true}
	for _, i := range b.rng.Perm(len(stalls)) {
		r := stalls[i]
		if solved == marketResolved {
			break
		}
		if !solvers[r["category"].(string)] {
			continue
		}
		if solved < marketResolved && !r["resolved"].(bool) {
			r["resolved"] = true
			solved++
		} else if solved > marketResolved && r["resolved"].(bool) {
			r["resolved"] = false
			solved--
		}
	}
	if solved != marketResolved {
		panic("seed: cannot tune the markets' solved count")
	}
}
