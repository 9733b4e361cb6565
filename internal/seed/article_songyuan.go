package seed

import (
	"strings"
	"time"
)

// Songyuan's part of the article is about party-building alliances: every one
// of the city's 22 streets and town-administered communities formed one,
// together they cover 810+ organizations, and 63,000 party members were
// activated for community service. This file builds the city, the 22
// alliances with their member units' party branches, and the volunteers;
// article_guoerluosi.go tells the story of the first alliance in detail.

const (
	county          = "前郭尔罗斯蒙古族自治县"
	guoerluosiCode  = "220721100001" // the contract's example lead community
	guoerluosiTown  = "220721100"    // 前郭尔罗斯镇
	syVolunteers    = 63200          // "带动激活……党员6.3万人", rounded up
	syMembersPerAll = 39             // members of each alliance other than 郭尔罗斯社区's
	sySharedMembers = 5              // alliances each of the six city-level units joins
)

// songyuanDistricts are the city's districts and counties (official codes)
// with the 22 streets and towns that have communities. Only 前郭尔罗斯镇's
// code 220721100 is fixed by the contract; the others are numbered as
// streets (0xx) and towns (1xx) are, in list order.
var songyuanDistricts = []struct {
	code, name string
	streets    []string
}{
	{"220702", "宁江区", []string{"团结街道", "民主街道", "文化街道", "建设街道", "繁荣街道", "和平街道", "临江街道", "沿江街道", "滨江街道", "铁西街道", "江南街道"}},
	{"220721", county, []string{"前郭尔罗斯镇", "长山镇", "海渤日戈镇", "查干花镇"}},
	{"220722", "长岭县", []string{"长岭镇", "太平川镇"}},
	{"220723", "乾安县", []string{"乾安镇", "大布苏镇"}},
	{"220781", "扶余市", []string{"三骏街道", "清华街道", "三岔河镇"}},
}

// guoerluosiUnits are the 31 units whose party branches signed the
// co-building agreement with 郭尔罗斯社区, the county CPPCC first. Each
// commits to the service areas it is known for in the article: doctors from
// the county TCM hospital, skills training by the federation of industry and
// commerce, a labour-security window by the human resources bureau, ...
var guoerluosiUnits = []struct {
	key, name, kind string
	commitments     []string
}{
	{"cppcc", "政协" + county + "委员会", "GOVERNMENT_AGENCY", []string{"MEDICAL", "POLICY_CONSULTING"}},
	{"tcm", county + "中医院", "PUBLIC_INSTITUTION", []string{"MEDICAL"}},
	{"acfic", county + "工商业联合会", "SOCIAL_ORGANIZATION", []string{"SKILLS_TRAINING", "EMPLOYMENT"}},
	{"hrss", county + "人力资源和社会保障局", "GOVERNMENT_AGENCY", []string{"EMPLOYMENT", "POLICY_CONSULTING"}},
	{"justice", county + "司法局", "GOVERNMENT_AGENCY", []string{"LEGAL_AID", "MEDIATION"}},
	{"health", county + "卫生健康局", "GOVERNMENT_AGENCY", []string{"MEDICAL"}},
	{"civil", county + "民政局", "GOVERNMENT_AGENCY", []string{"HOME_CARE"}},
	{"culture", county + "文化广播电视和旅游局", "GOVERNMENT_AGENCY", []string{"CULTURE_SPORTS"}},
	{"edu", county + "教育局", "GOVERNMENT_AGENCY", []string{"CULTURE_SPORTS"}},
	{"housing", county + "住房和城乡建设局", "GOVERNMENT_AGENCY", []string{"POLICY_CONSULTING"}},
	{"samr", county + "市场监督管理局", "GOVERNMENT_AGENCY", []string{"POLICY_CONSULTING"}},
	{"police", county + "公安局前郭尔罗斯镇派出所", "GOVERNMENT_AGENCY", []string{"MEDIATION"}},
	{"tax", "国家税务总局" + county + "税务局", "GOVERNMENT_AGENCY", []string{"POLICY_CONSULTING"}},
	{"medins", county + "医疗保障局", "GOVERNMENT_AGENCY", []string{"MEDICAL", "POLICY_CONSULTING"}},
	{"hospital", county + "人民医院", "PUBLIC_INSTITUTION", []string{"MEDICAL"}},
	{"mch", county + "妇幼保健院", "PUBLIC_INSTITUTION", []string{"MEDICAL"}},
	{"power", "国网" + county + "供电公司", "ENTERPRISE", []string{"APPLIANCE_REPAIR"}},
	{"post", "中国邮政集团有限公司" + county + "分公司", "ENTERPRISE", []string{"HOME_CARE"}},
	{"water", county + "自来水有限责任公司", "ENTERPRISE", []string{"APPLIANCE_REPAIR"}},
	{"school", county + "第一中学", "PUBLIC_INSTITUTION", []string{"CULTURE_SPORTS"}},
	{"library", county + "图书馆", "PUBLIC_INSTITUTION", []string{"CULTURE_SPORTS"}},
	{"redcross", county + "红十字会", "SOCIAL_ORGANIZATION", []string{"FIRST_AID_TRAINING", "HOME_CARE"}},
	{"lawfirm", "吉林郭尔罗斯律师事务所", "SOCIAL_ORGANIZATION", []string{"LEGAL_AID"}},
	{"volunteers", county + "志愿者协会", "SOCIAL_ORGANIZATION", []string{"HOME_CARE", "HOME_CLEANING"}},
	{"bank", "吉林前郭农村商业银行股份有限公司", "ENTERPRISE", []string{"POLICY_CONSULTING"}},
	{"mobile", "中国移动通信集团吉林有限公司" + county + "分公司", "ENTERPRISE", []string{"SKILLS_TRAINING"}},
	{"disabled", county + "残疾人联合会", "SOCIAL_ORGANIZATION", []string{"HOME_CARE"}},
	{"union", county + "总工会", "SOCIAL_ORGANIZATION", []string{"EMPLOYMENT", "CULTURE_SPORTS"}},
	{"youth", "共青团" + county + "委员会", "OTHER", []string{"CULTURE_SPORTS"}},
	{"women", county + "妇女联合会", "SOCIAL_ORGANIZATION", []string{"HOME_CARE", "LEGAL_AID"}},
	{"science", county + "科学技术协会", "SOCIAL_ORGANIZATION", []string{"SKILLS_TRAINING"}},
}

// syShared are city-level units that joined several alliances, so that the
// number of distinct member organizations is less than the memberships.
var syShared = []string{"松原市中心医院", "松原市律师协会", "国网松原供电公司", "松原市红十字会", "松原市图书馆", "中国移动松原分公司"}

// syAlliance is one alliance with what its story needs later.
type syAlliance struct {
	code, lead  string
	name        string
	founded     string
	street      string
	communities []string
	members     []string // member branch codes
}

// sy is the state of Songyuan that article_guoerluosi.go builds on.
type sy struct {
	committee  string            // 郭尔罗斯社区's party committee
	units      map[string]string // key of guoerluosiUnits -> unit code
	branches   map[string]string // key of guoerluosiUnits -> branch code
	volunteers []string          // volunteers living in 郭尔罗斯社区
	alliances  []*syAlliance     // the first is 郭尔罗斯社区's
}

func (b *book) songyuan() {
	b.sy = &sy{units: map[string]string{}, branches: map[string]string{}}
	b.region("220000", "吉林省", "PROVINCE", "")
	b.region("220700", "松原市", "CITY", "220000")
	city := b.org("中共松原市委员会", "PARTY_COMMITTEE", "220700", "", "")
	type street struct{ code, name, committee, district string }
	var streets []street
	for _, d := range songyuanDistricts {
		b.region(d.code, d.name, "DISTRICT", "220700")
		dname := d.name
		if d.code == "220702" {
			dname = "松原市" + d.name
		}
		dc := b.org("中共"+dname+"委员会", "PARTY_COMMITTEE", d.code, "", city)
		towns, subs := 100, 1
		for _, name := range d.streets {
			// Towns are numbered from 100 and have a party committee;
			// streets from 001 and have a working committee.
			code, committee := d.code+pad3(subs), "中共"+dname+name+"工作委员会"
			if strings.HasSuffix(name, "镇") {
				code, committee = d.code+pad3(towns), "中共"+dname+name+"委员会"
				towns++
			} else {
				subs++
			}
			b.region(code, name, "STREET", d.code)
			c := b.org(committee, "PARTY_COMMITTEE", code, "", dc)
			streets = append(streets, street{code, name, c, d.code})
		}
	}

	// Communities, and the community party committee that leads each alliance.
	for _, s := range streets {
		a := &syAlliance{street: s.code}
		for k := range b.between(4, 8) {
			code := s.code + pad3(k+1)
			name := b.placeName("社区")
			if code == guoerluosiCode {
				name = "郭尔罗斯社区"
			}
			pop := b.between(4000, 14000)
			b.community(code, name, "URBAN", s.code, pop, pop*10/b.between(24, 30))
			committee := b.org("中共"+name+"委员会", "PARTY_COMMITTEE", s.code, code, s.committee)
			if k == 0 {
				a.lead, a.name = code, name+"党建联盟"
				a.founded = date(2021, b.between(3, 9), b.between(1, 28))
			}
			if code == guoerluosiCode {
				b.sy.committee = committee
				a.founded = "2021-04-01"
			}
			a.communities = append(a.communities, code)
		}
		if a.lead == guoerluosiCode {
			// 郭尔罗斯社区's alliance comes first: it is AL-0001 of the contract.
			b.sy.alliances = append([]*syAlliance{a}, b.sy.alliances...)
		} else {
			b.sy.alliances = append(b.sy.alliances, a)
		}
	}
	for _, a := range b.sy.alliances {
		a.code = b.code(tAlliance, "AL-", 4)
		b.add(tAlliance, Line{"code": a.code, "name": a.name, "leadCommunity": a.lead, "foundedOn": a.founded})
	}
	b.syMembers()
	b.syVolunteers()
}

// syMembers adds the member units with their party branches and signs them
// into the alliances.
func (b *book) syMembers() {
	first := b.sy.alliances[0]
	for _, u := range guoerluosiUnits {
		unit := b.org(u.name, u.kind, guoerluosiTown, guoerluosiCode, "")
		suffix := "党支部"
		if u.kind == "GOVERNMENT_AGENCY" {
			suffix = "机关党支部"
		}
		branch := b.org(u.name+suffix, "PARTY_BRANCH", guoerluosiTown, guoerluosiCode, unit)
		b.sy.units[u.key], b.sy.branches[u.key] = unit, branch
		b.membership(first, branch, "2021-04-01", "", u.commitments)
	}

	var shared []string
	for _, name := range syShared {
		unit := b.org(name, "PUBLIC_INSTITUTION", "220700", "", "")
		shared = append(shared, b.org(name+"党支部", "PARTY_BRANCH", "220700", "", unit))
	}
	kinds := []struct{ kind, suffix string }{
		{"ENTERPRISE", "有限公司"}, {"ENTERPRISE", "商贸有限责任公司"}, {"PUBLIC_INSTITUTION", "小学"},
		{"PUBLIC_INSTITUTION", "卫生服务中心"}, {"SOCIAL_ORGANIZATION", "志愿服务协会"},
		{"SOCIAL_ORGANIZATION", "社会工作服务中心"}, {"MERCHANT", "超市"}, {"GOVERNMENT_AGENCY", "供热管理所"},
	}
	commitments := []string{"MEDICAL", "LEGAL_AID", "SKILLS_TRAINING", "EMPLOYMENT", "CULTURE_SPORTS",
		"HOME_CARE", "POLICY_CONSULTING", "MEDIATION"}
	left := 0
	for i, a := range b.sy.alliances[1:] {
		signed := a.founded
		// Alliance i takes city-level unit i%6, and the first nine also take
		// unit (i+3)%6: 30 memberships, each of the six units in five alliances.
		sh := []string{shared[i%len(shared)]}
		if i < sySharedMembers*len(shared)-len(b.sy.alliances[1:]) {
			sh = append(sh, shared[(i+3)%len(shared)])
		}
		for k, org := range sh {
			b.membership(a, org, signed, "", []string{commitments[(i+k)%len(commitments)]})
		}
		for k := len(sh); k < syMembersPerAll; k++ {
			kd := kinds[b.rng.IntN(len(kinds))]
			seat := a.communities[b.rng.IntN(len(a.communities))]
			unit := b.org(placeName(b.rng.Uint64(), "松原市", kd.suffix), kd.kind, a.street, seat, "")
			branch := b.org(b.lines[tOrganization][len(b.lines[tOrganization])-1]["name"].(string)+"党支部",
				"PARTY_BRANCH", a.street, seat, unit)
			leftOn := ""
			if left < 6 && k == syMembersPerAll-1 {
				leftOn = date(2023, b.between(1, 12), b.between(1, 28))
				left++
			}
			c1 := commitments[b.rng.IntN(len(commitments))]
			c2 := commitments[b.rng.IntN(len(commitments))]
			cs := []string{c1}
			if c2 != c1 {
				cs = append(cs, c2)
			}
			b.membership(a, branch, signed, leftOn, cs)
		}
	}
}

func (b *book) membership(a *syAlliance, org, signed, left string, commitments []string) {
	l := Line{"alliance": a.code, "organization": org, "signedOn": signed, "commitments": commitments}
	if left != "" {
		l["leftOn"] = left
	}
	b.add(tMembership, l)
	a.members = append(a.members, org)
}

// syVolunteers adds the party members activated for community service, each
// living in a community of an alliance and belonging to one of its units.
func (b *book) syVolunteers() {
	var homes []struct {
		community string
		a         *syAlliance
	}
	for _, a := range b.sy.alliances {
		for _, c := range a.communities {
			homes = append(homes, struct {
				community string
				a         *syAlliance
			}{c, a})
		}
	}
	for i := range syVolunteers {
		h := homes[i%len(homes)]
		p := b.person(who{community: h.community, org: h.a.members[b.rng.IntN(len(h.a.members))],
			party: true, birth: b.between(1955, 2000), roles: []string{"PARTY_MEMBER", "VOLUNTEER"}})
		if h.community == guoerluosiCode {
			b.sy.volunteers = append(b.sy.volunteers, codeOf(p))
		}
	}
}

// syAllianceLife gives the other alliances a quarterly coordination meeting
// and a few services a month, so that city-wide dashboards are not empty
// outside 郭尔罗斯社区.
func (b *book) syAllianceLife() {
	cats := []string{"LEGAL_AID", "HOME_CARE", "CULTURE_SPORTS", "MEDICAL", "SKILLS_TRAINING", "EMPLOYMENT"}
	for _, a := range b.sy.alliances[1:] {
		months(2022, 1, 2024, 12, func(y, m int) {
			if m%3 == 1 {
				b.event("MEETING", "党建联盟情况调度会", a.lead, a.code, true, at(y, m, b.between(5, 12), 9, 0), 2*time.Hour)
			}
			for range b.between(3, 6) {
				b.record(rec{community: a.communities[b.rng.IntN(len(a.communities))],
					category: cats[b.rng.IntN(len(cats))], at: at(y, m, b.between(1, 28), b.between(8, 17), 0),
					served: b.between(1, 30), resolved: b.chance(0.8),
					provider: a.members[b.rng.IntN(len(a.members))], alliance: a.code})
			}
		})
	}
}
