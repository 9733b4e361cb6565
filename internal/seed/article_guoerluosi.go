package seed

import "time"

// 郭尔罗斯社区 is the article's close-up of an alliance at work: volunteers
// clean elderly residents' homes every month (王海's kitchen on a Saturday at
// ten), doctors from the county TCM hospital visit, keep health records and
// lecture, the federation of industry and commerce runs skills training, the
// human resources bureau matches jobseekers with jobs, and the community
// collects needs that member units answer, reviewed at monthly coordination
// meetings. It runs from the alliance's founding in April 2021 to the end of
// 2024.

// now is the end of the story: demands raised after it are still open.
var now = at(2024, 12, 31, 18, 0)

// demandKinds are the needs residents raise, each with the unit (a key of
// guoerluosiUnits) whose branch the community assigns it to.
var demandKinds = []struct {
	category, unit string
	titles         []string
}{
	{"HOME_CLEANING", "volunteers", []string{"高龄老人家中需要打扫卫生", "独居老人请求擦玻璃、拆洗被罩"}},
	{"HOME_CARE", "civil", []string{"失能老人申请居家照护", "老人希望有人定期上门探望"}},
	{"MEDICAL", "tcm", []string{"慢病老人希望医生上门复诊", "居民申请建立家庭健康档案"}},
	{"LEGAL_AID", "justice", []string{"居民咨询赡养纠纷法律问题", "务工人员追讨欠薪求助"}},
	{"EMPLOYMENT", "hrss", []string{"下岗居民求职登记", "失业人员申请就业困难认定"}},
	{"SKILLS_TRAINING", "acfic", []string{"居民希望参加电工技能培训", "妇女希望参加家政技能培训"}},
	{"CULTURE_SPORTS", "culture", []string{"老年秧歌队需要活动场地", "青少年暑期需要阅读活动"}},
	{"APPLIANCE_REPAIR", "power", []string{"老旧楼道线路老化需要检修", "老人家中电表故障"}},
	{"POLICY_CONSULTING", "medins", []string{"居民咨询医保异地备案", "老人咨询城乡居民医保缴费"}},
}

var lectureTopics = []string{"高血压的日常管理", "冬季心脑血管疾病预防", "中医养生与四季调理", "糖尿病饮食指导",
	"老年人防跌倒", "常见慢病合理用药", "颈肩腰腿痛的中医调理", "夏季防暑与食品安全"}

func (b *book) guoerluosi() {
	s := b.sy
	a := s.alliances[0]
	c := guoerluosiCode
	qu := b.person(who{name: "曲玲玲", gender: "F", birth: 1979, community: c, org: s.committee, party: true,
		roles: []string{"PARTY_MEMBER", "SECRETARY"}})
	b.position(codeOf(qu), s.committee, "社区党总支书记", "2018-06-01", "")

	elders := []string{codeOf(b.person(who{name: "王海", gender: "M", birth: 1941, community: c,
		roles: []string{"RESIDENT"}}))}
	for range 39 {
		elders = append(elders, codeOf(b.person(who{community: c, birth: b.between(1932, 1950), roles: []string{"RESIDENT"}})))
	}
	var seekers, doctors []string
	for range 30 {
		seekers = append(seekers, codeOf(b.person(who{community: c, birth: b.between(1968, 2001), roles: []string{"RESIDENT"}})))
	}
	for range 6 {
		doctors = append(doctors, codeOf(b.person(who{org: s.units["tcm"], party: true, birth: b.between(1965, 1990),
			roles: []string{"PARTY_MEMBER", "DOCTOR"}})))
	}
	pick := func(xs []string) string { return xs[b.rng.IntN(len(xs))] }
	br := s.branches

	i := 0
	months(2021, 5, 2024, 12, func(y, m int) {
		// The monthly home cleaning, on a Saturday morning at ten.
		start := saturday(y, m, 1).Add(10 * time.Hour)
		ev := b.event("HOME_VISIT", "党建联盟志愿者上门清洁", c, a.code, true, start, 2*time.Hour)
		for k := range b.between(3, 6) {
			b.record(rec{community: c, category: "HOME_CLEANING", at: start.Add(time.Duration(k) * 25 * time.Minute),
				served: 1, resolved: true, provider: br["volunteers"], person: pick(s.volunteers),
				recipient: elders[(i*5+k)%len(elders)], event: ev, alliance: a.code})
		}
		// Doctors' home visits, and health records in the alliance's first year.
		for range b.between(2, 4) {
			b.record(rec{community: c, category: "HOME_DOCTOR", at: at(y, m, b.between(2, 27), b.between(8, 16), 30),
				served: 1, resolved: true, provider: br["tcm"], person: pick(doctors), recipient: pick(elders), alliance: a.code})
		}
		if y == 2021 || (y == 2022 && m <= 4) {
			for range b.between(3, 5) {
				b.record(rec{community: c, category: "HEALTH_RECORD", at: at(y, m, b.between(2, 27), b.between(8, 16), 0),
					served: 1, resolved: true, provider: br["tcm"], person: pick(doctors), recipient: pick(elders), alliance: a.code})
			}
		}
		// The medical lecture every other month.
		if m%2 == 1 {
			t := at(y, m, b.between(10, 20), 14, 30)
			ev := b.event("LECTURE", "医疗讲堂："+lectureTopics[i%len(lectureTopics)], c, br["tcm"], false, t, 90*time.Minute)
			b.record(rec{community: c, category: "HEALTH_LECTURE", at: t, served: b.between(20, 60), resolved: true,
				provider: br["tcm"], person: pick(doctors), event: ev, alliance: a.code})
		}
		// Skills training every quarter.
		if m%3 == 2 {
			t := at(y, m, b.between(8, 22), 9, 0)
			ev := b.event("TRAINING", "企业技能培训进社区", c, br["acfic"], false, t, 3*time.Hour)
			b.record(rec{community: c, category: "SKILLS_TRAINING", at: t, served: b.between(15, 40), resolved: true,
				provider: br["acfic"], event: ev, alliance: a.code})
		}
		// Job matching at the labour-security window.
		for range b.between(1, 3) {
			b.record(rec{community: c, category: "JOB_MATCHING", at: at(y, m, b.between(1, 28), b.between(9, 16), 0),
				served: 1, resolved: b.chance(0.6), provider: br["hrss"], recipient: pick(seekers), alliance: a.code})
		}
		// The coordination meeting, first Wednesday afternoon of the month.
		w := at(y, m, 1, 14, 30)
		for w.Weekday() != time.Wednesday {
			w = w.AddDate(0, 0, 1)
		}
		b.event("MEETING", "党建联盟情况调度会", c, a.code, true, w, 2*time.Hour)
		i++
	})

	// Dumplings for elderly people living alone at the 2022 Dragon Boat Festival.
	t := at(2022, 6, 3, 9, 0)
	ev := b.event("OTHER", "端午节为独居老人包粽子", c, a.code, true, t, 3*time.Hour)
	for k := range 8 {
		b.record(rec{community: c, category: "HOME_CARE", at: t.Add(time.Duration(k) * 10 * time.Minute), served: 1,
			resolved: true, provider: br["volunteers"], person: pick(s.volunteers), recipient: elders[k], event: ev, alliance: a.code})
	}
	for y := 2021; y <= 2024; y++ {
		t := at(y, 7, 1, 9, 0)
		ev := b.event("OTHER", "机关党员进社区主题党日", c, a.code, true, t, 3*time.Hour)
		b.record(rec{community: c, category: "PARTY_ACTIVITY", at: t, served: b.between(40, 80), resolved: true,
			provider: br["cppcc"], event: ev, alliance: a.code})
	}
	b.demands(a, append(elders, seekers...))
	b.syAllianceLife()
}

// demands adds the needs collected in 郭尔罗斯社区: each is assigned to a
// member branch, answered within two days and resolved within ten; resolved
// ones get the service record that resolved them. Needs raised in the last
// days of the story are still open, assigned or in progress.
func (b *book) demands(a *syAlliance, residents []string) {
	months(2021, 6, 2024, 12, func(y, m int) {
		for range b.between(1, 3) {
			k := demandKinds[b.rng.IntN(len(demandKinds))]
			raised := at(y, m, b.between(1, 28), b.between(8, 18), b.between(0, 59))
			if y == 2024 && m == 12 {
				raised = at(y, m, b.between(24, 31), b.between(8, 12), 0)
			}
			responded := raised.Add(time.Duration(b.between(2, 48)) * time.Hour)
			resolved := responded.Add(time.Duration(b.between(24, 240)) * time.Hour)
			code := b.code(tDemand, "D-", 1)
			d := Line{"code": code, "community": a.lead, "alliance": a.code, "category": k.category,
				"title": k.titles[b.rng.IntN(len(k.titles))], "raisedAt": stamp(raised)}
			assignee := b.sy.branches[k.unit]
			switch {
			case raised.Add(time.Hour).After(now):
				d["status"] = "OPEN"
			case responded.After(now):
				d["status"], d["assignedTo"] = "ASSIGNED", assignee
			case resolved.After(now):
				d["status"], d["assignedTo"], d["respondedAt"] = "IN_PROGRESS", assignee, stamp(responded)
			default:
				d["status"], d["assignedTo"], d["respondedAt"], d["resolvedAt"] = "RESOLVED", assignee, stamp(responded), stamp(resolved)
				if b.chance(0.1) {
					d["status"] = "CLOSED"
				}
				b.record(rec{community: a.lead, category: k.category, at: resolved, served: 1, resolved: true,
					provider: assignee, recipient: residents[b.rng.IntN(len(residents))], alliance: a.code, demand: code})
			}
			b.add(tDemand, d)
		}
	})
}
