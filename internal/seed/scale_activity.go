package seed

// The activity part of the synthetic world: one event per community and
// month, a demand per twenty records, and the service records themselves,
// 10M for a city. This is the hot path: values that repeat (codes of
// communities, organizations, alliances, events, categories) are boxed once in
// prepare, times are assembled from a per-day prefix, and events and demands
// are re-derived from their index instead of being remembered.

var eventKinds = []string{"MARKET", "HOME_VISIT", "LECTURE", "TRAINING", "MEETING", "OTHER"}

const (
	evMarket = iota
	evHomeVisit
	evLecture
	evTraining
	evMeeting
	evOther
)

var eventTitles = []string{"便民服务集市", "志愿者入户走访", "社区健康讲堂", "居民技能培训", "党建联盟联席会议", "社区文体活动"}

// urbanEventKinds is the weighted choice of an urban community's monthly event.
var urbanEventKinds = weighted(map[int]int{evMarket: 15, evHomeVisit: 25, evLecture: 20, evTraining: 15, evMeeting: 15, evOther: 10})

// catIndex maps a category code to its index in categories.
var catIndex = func() map[string]int {
	m := map[string]int{}
	for i, c := range categories {
		m[c.code] = i
	}
	return m
}()

// cats turns weighted category codes into a lookup table of category indexes.
func cats(w map[string]int) []uint8 {
	byIndex := map[int]int{}
	for code, n := range w {
		byIndex[catIndex[code]] = n
	}
	return weighted(byIndex)
}

// weighted expands weights into a table to index with a uniform draw; it is
// sorted by key so that the table, and thus the data, is deterministic.
func weighted(w map[int]int) []uint8 {
	var out []uint8
	for k := range 256 {
		for range w[k] {
			out = append(out, uint8(k))
		}
	}
	return out
}

var (
	marketCats = cats(map[string]int{"HAIRCUT": 20, "HEALTH_CHECK": 20, "PRESCRIPTION": 10, "APPLIANCE_REPAIR": 12,
		"TRADITIONAL_MENDING": 8, "MEDIATION": 5, "LEGAL_AID": 5, "POLICY_CONSULTING": 6, "AGRI_TECH": 6,
		"JOB_FAIR": 4, "VILLAGE_SUPERVISION": 2, "FIRST_AID_TRAINING": 2})
	eventCats = [][]uint8{
		evMarket:    marketCats,
		evHomeVisit: cats(map[string]int{"HOME_CLEANING": 5, "HOME_DOCTOR": 3, "MEAL_ASSISTANCE": 2}),
		evLecture:   cats(map[string]int{"HEALTH_LECTURE": 6, "LEGAL_AID": 2, "POLICY_CONSULTING": 2}),
		evTraining:  cats(map[string]int{"SKILLS_TRAINING": 6, "FIRST_AID_TRAINING": 2, "JOB_FAIR": 2}),
		evOther:     cats(map[string]int{"CULTURE_SPORTS": 7, "PARTY_ACTIVITY": 3}),
	}
	urbanCats = cats(map[string]int{"HOME_CLEANING": 10, "MEAL_ASSISTANCE": 8, "HOME_DOCTOR": 8, "HEALTH_CHECK": 10,
		"HEALTH_RECORD": 4, "LEGAL_AID": 6, "MEDIATION": 8, "POLICY_CONSULTING": 8, "JOB_MATCHING": 6,
		"SKILLS_TRAINING": 5, "CULTURE_SPORTS": 10, "APPLIANCE_REPAIR": 6, "HAIRCUT": 6, "PARTY_ACTIVITY": 5})
	villageCats = cats(map[string]int{"HEALTH_CHECK": 10, "PRESCRIPTION": 8, "AGRI_TECH": 10, "MEDIATION": 8,
		"POLICY_CONSULTING": 8, "HOME_CARE": 6, "HAIRCUT": 6, "APPLIANCE_REPAIR": 6, "JOB_MATCHING": 4,
		"VILLAGE_SUPERVISION": 3})
	demandCats = cats(map[string]int{"HOME_CARE": 12, "HOME_CLEANING": 8, "MEDICAL": 10, "LEGAL_AID": 8,
		"MEDIATION": 10, "EMPLOYMENT": 8, "SKILLS_TRAINING": 5, "CULTURE_SPORTS": 5, "APPLIANCE_REPAIR": 8,
		"POLICY_CONSULTING": 10})
)

// event is what records need to know about an event.
type event struct {
	kind, day, minute, length int // day index in the span, start minute of the day, minutes
	organizer                 any
	byAlliance                bool
}

// eventAt derives event e: month e/nComm, community e%nComm.
func (g *gen) eventAt(e int) event {
	mi, c := e/g.nComm, e%g.nComm
	r := newStream(g.seed, kEvent, uint64(e))
	ev := event{kind: evMarket, length: 240, minute: 8 * 60}
	if !g.village[c] {
		ev.kind = int(urbanEventKinds[r.intn(len(urbanEventKinds))])
		ev.length, ev.minute = 180, []int{9 * 60, 14 * 60, 19 * 60}[r.intn(3)]
	}
	ev.day = g.monthDay[mi] + r.intn(28)
	switch {
	case ev.kind == evMeeting && g.p.alliances > 0:
		ev.organizer, ev.byAlliance, ev.length = g.alliance[c*g.p.alliances+r.intn(g.p.alliances)], true, 120
	case ev.kind == evLecture || ev.kind == evHomeVisit:
		ev.organizer = g.orgCode[g.communityOrg(c, 3)]
	default:
		ev.organizer = g.orgCode[g.communityOrg(c, 1)]
	}
	return ev
}

func (g *gen) events(emit Emit) error {
	for e := range g.eventCode {
		c := e % g.nComm
		ev := g.eventAt(e)
		l := Line{"type": "ServiceEvent", "code": g.eventCode[e], "kind": eventKinds[ev.kind],
			"title": eventTitles[ev.kind] + "·" + g.commName[c], "community": g.commCode[c],
			"startsAt": g.stamp(ev.day, ev.minute*60), "endsAt": g.stamp(ev.day, (ev.minute+ev.length)*60)}
		if ev.byAlliance {
			l["organizerAlliance"] = ev.organizer
		} else {
			l["organizerOrganization"] = ev.organizer
		}
		if err := emit(l); err != nil {
			return err
		}
	}
	return nil
}

// Demand statuses.
const (
	dOpen = iota
	dAssigned
	dInProgress
	dResolved
	dClosed
)

var demandStatuses = []string{"OPEN", "ASSIGNED", "IN_PROGRESS", "RESOLVED", "CLOSED"}

// demand is demand d, derived from its index: raised in order over the span,
// answered within three days, resolved within two weeks; its status is what
// those times make of it at the end of the span.
type demand struct {
	c, cat, alliance, assignee int
	raised, responded, solved  int // seconds since the span's start
	status                     int
}

func (g *gen) demandAt(d int) demand {
	r := newStream(g.seed, kDemand, uint64(d))
	x := demand{c: r.intn(g.nComm), cat: int(demandCats[r.intn(len(demandCats))]), alliance: -1, assignee: -1}
	day := d * spanDays / g.nDemands
	x.raised = day*86400 + 8*3600 + r.intn(12*3600)
	x.responded = x.raised + 3600 + r.intn(71*3600)
	x.solved = x.responded + 4*3600 + r.intn(13*86400)
	if g.p.alliances > 0 {
		x.alliance = x.c*g.p.alliances + r.intn(g.p.alliances)
		x.assignee = int(g.members[x.alliance*g.p.members+r.intn(g.p.members)])
	} else {
		x.assignee = g.communityOrg(x.c, 1+r.intn(orgsPerCommunity-1))
	}
	end := spanDays * 86400
	switch {
	case x.solved < end:
		x.status = dResolved
		if r.pct(15) {
			x.status = dClosed
		}
	case x.responded < end:
		x.status = dInProgress
	case x.raised+3600 < end:
		x.status = dAssigned
	default:
		x.status = dOpen
	}
	return x
}

var demandTitles = map[string]string{
	"HOME_CARE": "独居老人需要居家照护", "HOME_CLEANING": "高龄老人家中需要打扫", "MEDICAL": "慢病居民需要上门随访",
	"LEGAL_AID": "居民咨询家庭纠纷法律问题", "MEDIATION": "邻里噪音纠纷需要调解", "EMPLOYMENT": "失业居民求职登记",
	"SKILLS_TRAINING": "居民希望参加技能培训", "CULTURE_SPORTS": "居民需要文体活动场地", "APPLIANCE_REPAIR": "楼道线路老化需要检修",
	"POLICY_CONSULTING": "居民咨询医保社保政策",
}

func demandCode(d int) string { return code("D-", d+1, 0) }

func (g *gen) demands(emit Emit) error {
	for d := range g.nDemands {
		x := g.demandAt(d)
		l := Line{"type": "Demand", "code": demandCode(d), "community": g.commCode[x.c], "category": g.catCode[x.cat],
			"title": demandTitles[categories[x.cat].code], "raisedAt": g.stamp(0, x.raised),
			"status": demandStatuses[x.status]}
		if x.alliance >= 0 {
			l["alliance"] = g.alliance[x.alliance]
		}
		if x.status >= dAssigned {
			l["assignedTo"] = g.orgCode[x.assignee]
		}
		if x.status >= dInProgress {
			l["respondedAt"] = g.stamp(0, x.responded)
		}
		if x.status >= dResolved {
			l["resolvedAt"] = g.stamp(0, x.solved)
		}
		if err := emit(l); err != nil {
			return err
		}
	}
	return nil
}

// records emits the service records in time order: record r falls on day
// r*days/N. Every twentieth record is the one that resolved demand r/20, if
// that demand was resolved; the others are everyday services, 30% of them at
// their community's event of the month.
func (g *gen) records(emit Emit) error {
	n, nA, nM := g.p.records, g.p.alliances, g.p.members
	for i := range n {
		l := make(Line, 13)
		l["type"] = "ServiceRecord"
		l["code"] = code("SR-", i+1, 0)
		if i%demandEvery == 0 {
			if x := g.demandAt(i / demandEvery); x.status >= dResolved {
				l["community"], l["category"] = g.commCode[x.c], g.catCode[x.cat]
				l["occurredAt"], l["peopleServed"], l["resolved"] = g.stamp(0, x.solved), 1, true
				l["provider"], l["demand"] = g.orgCode[x.assignee], demandCode(i/demandEvery)
				if x.alliance >= 0 {
					l["alliance"] = g.alliance[x.alliance]
				}
				if err := emit(l); err != nil {
					return err
				}
				continue
			}
		}
		r := newStream(g.seed, kRecord, uint64(i))
		day, sec := i*spanDays/n, 8*3600+r.intn(12*3600)
		c := r.intn(g.nComm)
		table := urbanCats
		if g.village[c] {
			table = villageCats
		}
		served := 1 + r.intn(3)
		if r.pct(30) {
			mi := g.monthOf(day)
			e := mi*g.nComm + c
			if ev := g.eventAt(e); ev.kind != evMeeting {
				table, day = eventCats[ev.kind], ev.day
				sec = ev.minute*60 + r.intn(ev.length*60)
				served = 1 + r.intn(12)
				l["event"] = g.eventCode[e]
			}
		}
		l["community"] = g.commCode[c]
		l["category"] = g.catCode[table[r.intn(len(table))]]
		l["resolved"] = r.pct(72)
		if nA > 0 && r.pct(40) {
			a := c*nA + r.intn(nA)
			l["alliance"] = g.alliance[a]
			l["provider"] = g.orgCode[g.members[a*nM+r.intn(nM)]]
		} else {
			l["provider"] = g.orgCode[g.communityOrg(c, 1+r.intn(orgsPerCommunity-1))]
		}
		if r.pct(25) {
			slot := slotWorkers + r.intn(slotExpert-slotWorkers)
			l["providerPerson"] = g.personCode(c, slot)
		}
		if r.pct(25) {
			l["recipient"] = g.personCode(c, slotResidents+r.intn(g.p.people-slotResidents))
			served = 1
		}
		l["peopleServed"] = served
		l["occurredAt"] = g.stamp(day, sec)
		if err := emit(l); err != nil {
			return err
		}
	}
	return nil
}

// monthOf returns the month index of a day index.
func (g *gen) monthOf(day int) int {
	m := day * scaleMonths / spanDays // a guess within one month of the answer
	for m+1 < scaleMonths && g.monthDay[m+1] <= day {
		m++
	}
	for m > 0 && g.monthDay[m] > day {
		m--
	}
	return m
}

// stamp formats day index day plus sec seconds as RFC 3339 in +08:00 without
// going through time.Time; sec may exceed a day.
func (g *gen) stamp(day, sec int) string {
	day += sec / 86400
	sec %= 86400
	var buf [25]byte
	b := append(buf[:0], g.days[day]...)
	b = append2(b, sec/3600)
	b = append(b, ':')
	b = append2(b, sec/60%60)
	b = append(b, ':')
	b = append2(b, sec%60)
	b = append(b, "+08:00"...)
	return string(b)
}

func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }
