package seed

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// scenario is the article's output, indexed for the figure tests.
type scenario struct {
	byType map[string][]Line
	code   map[string]map[string]Line // type -> code -> line
	parent map[string]string          // region -> parent region
}

var (
	articleOnce sync.Once
	article     *scenario
	articleErr  error
	articleTime time.Duration
)

// loadArticle generates the scenario once, validating every line on the way.
func loadArticle(t *testing.T) *scenario {
	t.Helper()
	articleOnce.Do(func() {
		c := newChecker(true)
		s := &scenario{byType: map[string][]Line{}, parent: map[string]string{}}
		start := time.Now()
		articleErr = Article(func(l Line) error {
			if err := c.check(l); err != nil {
				return err
			}
			typ := l["type"].(string)
			s.byType[typ] = append(s.byType[typ], l)
			if typ == "Region" && l["parent"] != nil {
				s.parent[l["code"].(string)] = l["parent"].(string)
			}
			return nil
		})
		articleTime = time.Since(start)
		s.code = c.codes
		article = s
	})
	if articleErr != nil {
		t.Fatal(articleErr)
	}
	return article
}

// under is true when region code is root or below it.
func (s *scenario) under(code, root string) bool {
	for ; code != ""; code = s.parent[code] {
		if code == root {
			return true
		}
	}
	return false
}

// communityUnder is true when community c lies in region root.
func (s *scenario) communityUnder(c any, root string) bool {
	cc, ok := c.(string)
	return ok && s.under(s.code["Community"][cc]["region"].(string), root)
}

func (s *scenario) person(t *testing.T, name string) Line {
	t.Helper()
	var found []Line
	for _, p := range s.byType["Person"] {
		if p["name"] == name {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want exactly one person named %s, found %d", name, len(found))
	}
	return found[0]
}

// roles returns a person's roles; nil for a missing person.
func roles(p Line) []string { r, _ := p["roles"].([]string); return r }

// TestArticleLinesAreValid checks the scenario's size; its speed is
// measured by BenchmarkArticle, never asserted.
func TestArticleLinesAreValid(t *testing.T) {
	s := loadArticle(t)
	n := 0
	for _, ls := range s.byType {
		n += len(ls)
	}
	t.Logf("%d lines in %v", n, articleTime)
	if n < 100_000 || n > 150_000 {
		t.Errorf("%d lines, want 100k–150k", n)
	}
}

func TestArticleIsDeterministic(t *testing.T) {
	hash := func() string {
		h := sha256.New()
		enc := json.NewEncoder(h)
		if err := Article(func(l Line) error { return enc.Encode(l) }); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%x", h.Sum(nil))
	}
	if a, b := hash(), hash(); a != b {
		t.Errorf("two runs differ: %s vs %s", a, b)
	}
}

func TestArticleRealPlaces(t *testing.T) {
	s := loadArticle(t)
	for code, name := range map[string]string{
		"440000": "广东省", "440300": "深圳市", "440305": "南山区", "440304": "福田区", "440303": "罗湖区",
		"440306": "宝安区", "440307": "龙岗区", "220000": "吉林省", "220700": "松原市", "220721": "前郭尔罗斯蒙古族自治县",
		"330000": "浙江省", "330600": "绍兴市", "330624": "新昌县", "330624201": "城南乡", "440305007": "粤海街道",
		"440305001": "南头街道", "440305002": "南山街道", "440305003": "沙河街道", "440305005": "蛇口街道",
		"440305006": "招商街道", "440305008": "桃源街道", "440305009": "西丽街道",
	} {
		if r := s.code["Region"][code]; r == nil || r["name"] != name {
			t.Errorf("region %s: got %v, want %s", code, r, name)
		}
	}
	for code, name := range map[string]string{"440305007003": "海珠社区", "220721100001": "郭尔罗斯社区", "330624201210": "里家廊村"} {
		if c := s.code["Community"][code]; c == nil || c["name"] != name {
			t.Errorf("community %s: got %v, want %s", code, c, name)
		}
	}
	if s.code["Alliance"]["AL-0001"]["leadCommunity"] != "220721100001" {
		t.Errorf("AL-0001 is not 郭尔罗斯社区's alliance")
	}
}

// nanshanStudios returns the studios in Nanshan and their mentorships.
func (s *scenario) nanshanStudios() (map[string]bool, []Line) {
	studios := map[string]bool{}
	for _, st := range s.byType["Studio"] {
		if s.under(st["region"].(string), "440305") {
			studios[st["code"].(string)] = true
		}
	}
	var ms []Line
	for _, m := range s.byType["Mentorship"] {
		if studios[m["studio"].(string)] {
			ms = append(ms, m)
		}
	}
	return studios, ms
}

func TestArticleNanshanStudios(t *testing.T) {
	s := loadArticle(t)
	perStreet := map[string]int{}
	for _, st := range s.byType["Studio"] {
		perStreet[st["region"].(string)]++
		lead, expert := s.code["Person"][st["leadMentor"].(string)], s.code["Person"][st["theoryExpert"].(string)]
		if !slices.Contains(roles(lead), "SECRETARY") || !slices.Contains(roles(lead), "MENTOR") {
			t.Errorf("studio %s: lead mentor %v is not SECRETARY and MENTOR", st["code"], roles(lead))
		}
		if !slices.Contains(roles(expert), "EXPERT") {
			t.Errorf("studio %s: theory expert %v is not EXPERT", st["code"], roles(expert))
		}
		if s.code["Region"][st["region"].(string)]["level"] != "STREET" {
			t.Errorf("studio %s is not in a street", st["code"])
		}
	}
	streets := 0
	for _, r := range s.byType["Region"] {
		if r["parent"] == "440305" {
			streets++
			if n := perStreet[r["code"].(string)]; n < 2 || n > 3 {
				t.Errorf("street %s runs %d studios, want 2–3", r["name"], n)
			}
		}
	}
	if streets != 8 {
		t.Errorf("Nanshan has %d streets, want 8", streets)
	}

	_, ms := s.nanshanStudios()
	trainees := map[string]bool{}
	outcomes := map[string]map[string]bool{}
	for _, m := range ms {
		trainees[m["trainee"].(string)] = true
		if m["outcomeYear"] == 2021 {
			o := m["outcome"].(string)
			if outcomes[o] == nil {
				outcomes[o] = map[string]bool{}
			}
			outcomes[o][m["trainee"].(string)] = true
		}
	}
	if len(trainees) != 326 {
		t.Errorf("%d distinct trainees in Nanshan studios, want 326", len(trainees))
	}
	if len(ms) == len(trainees) {
		t.Errorf("no trainee took part twice: distinct trainees should differ from mentorships")
	}
	count := func(o string) (n int) {
		for _, m := range ms {
			if m["outcome"] == o && m["outcomeYear"] == 2021 {
				n++
			}
		}
		return n
	}
	if n, d := count("ELECTED_SECRETARY"), len(outcomes["ELECTED_SECRETARY"]); n != 11 || d != 11 {
		t.Errorf("2021 ELECTED_SECRETARY: %d mentorships, %d trainees, want 11", n, d)
	}
	if n, d := count("ELECTED_DEPUTY_SECRETARY"), len(outcomes["ELECTED_DEPUTY_SECRETARY"]); n != 63 || d != 63 {
		t.Errorf("2021 ELECTED_DEPUTY_SECRETARY: %d mentorships, %d trainees, want 63", n, d)
	}
	for p := range outcomes["ELECTED_SECRETARY"] {
		if !slices.Contains(roles(s.code["Person"][p]), "SECRETARY") {
			t.Errorf("elected secretary %s lacks the SECRETARY role", p)
		}
	}
}

func TestArticleChenHuibin(t *testing.T) {
	s := loadArticle(t)
	chen := s.person(t, "陈慧斌")
	code := chen["code"].(string)
	if chen["community"] != haizhuCode || !slices.Contains(roles(chen), "SECRETARY") || !slices.Contains(roles(chen), "MENTOR") {
		t.Errorf("陈慧斌: %v", chen)
	}
	secretary := false
	for _, p := range s.byType["Position"] {
		org := s.code["Organization"][p["organization"].(string)]
		if p["person"] == code && strings.HasPrefix(p["from"].(string), "2016") && strings.Contains(p["title"].(string), "书记") &&
			org["community"] == haizhuCode && org["kind"] == "PARTY_COMMITTEE" && p["to"] == nil {
			secretary = true
		}
	}
	if !secretary {
		t.Errorf("陈慧斌 has no secretary post at 海珠社区 since 2016")
	}
	// First cohort: the earliest cohort year of her studio.
	var asTrainee Line
	var mentees []string
	for _, m := range s.byType["Mentorship"] {
		if m["trainee"] == code {
			asTrainee = m
		}
		if m["mentor"] == code {
			mentees = append(mentees, m["trainee"].(string))
		}
	}
	if asTrainee == nil {
		t.Fatal("陈慧斌 is no trainee")
	}
	first := 9999
	for _, m := range s.byType["Mentorship"] {
		if m["studio"] == asTrainee["studio"] {
			first = min(first, m["cohortYear"].(int))
		}
	}
	if asTrainee["cohortYear"] != first || !s.under(s.code["Studio"][asTrainee["studio"].(string)]["region"].(string), "440305") {
		t.Errorf("陈慧斌 was not in the first cohort of a Nanshan studio: %v", asTrainee)
	}
	if len(mentees) == 0 {
		t.Fatal("陈慧斌 mentors nobody")
	}
	// Three generations: one of her trainees mentors others.
	third := false
	for _, m := range s.byType["Mentorship"] {
		third = third || slices.Contains(mentees, m["mentor"].(string))
	}
	if !third {
		t.Errorf("none of 陈慧斌's trainees mentors anyone")
	}
	if wu := s.person(t, "吴红霞"); !slices.Contains(roles(wu), "TRAINEE") {
		t.Errorf("吴红霞 is not a trainee")
	}
}

func TestArticleCampAndHaizhu(t *testing.T) {
	s := loadArticle(t)
	camps := 0
	for _, ev := range s.byType["ServiceEvent"] {
		if ev["kind"] != "CAMP" || !s.communityUnder(ev["community"], "440305") {
			continue
		}
		camps++
		deputies := map[string]bool{}
		for _, r := range s.byType["ServiceRecord"] {
			if r["event"] == ev["code"] {
				p := s.code["Person"][r["recipient"].(string)]
				if slices.Contains(roles(p), "DEPUTY_SECRETARY") {
					deputies[p["code"].(string)] = true
				}
			}
		}
		if len(deputies) != 30 {
			t.Errorf("camp %s has %d deputy secretaries, want 30", ev["title"], len(deputies))
		}
	}
	if camps != 1 {
		t.Errorf("%d camps in Nanshan, want 1", camps)
	}
	branches := 0
	for _, o := range s.byType["Organization"] {
		if o["kind"] == "PARTY_BRANCH" && o["community"] == haizhuCode {
			branches++
		}
	}
	if branches != 17 {
		t.Errorf("%d party branches in 海珠社区, want 17", branches)
	}
}

func TestArticleShenzhenCity(t *testing.T) {
	s := loadArticle(t)
	studios := 0
	for _, st := range s.byType["Studio"] {
		if s.under(st["region"].(string), "440300") {
			studios++
		}
	}
	if studios < 90 {
		t.Errorf("%d studios in Shenzhen, want ≥ 90", studios)
	}
	graded := map[string]bool{}
	for _, g := range s.byType["GradeChange"] {
		graded[g["person"].(string)] = true
	}
	workers := 0
	for _, p := range s.byType["Person"] {
		if !slices.Contains(roles(p), "COMMUNITY_WORKER") && !slices.Contains(roles(p), "GRID_WORKER") {
			continue
		}
		if !s.communityUnder(p["community"], "440300") {
			continue
		}
		workers++
		if !graded[p["code"].(string)] {
			t.Fatalf("worker %v has no grade history", p)
		}
	}
	if workers < 19000 {
		t.Errorf("%d professional workers in Shenzhen, want ≥ 19,000", workers)
	}
}

func TestArticleSongyuanAlliances(t *testing.T) {
	s := loadArticle(t)
	inCity := map[string]bool{}
	for _, a := range s.byType["Alliance"] {
		if s.communityUnder(a["leadCommunity"], "220700") {
			inCity[a["code"].(string)] = true
		}
	}
	if len(inCity) != 22 {
		t.Errorf("%d alliances in Songyuan, want 22", len(inCity))
	}
	members, active := map[string]bool{}, map[string]bool{}
	guoerluosi := map[string]bool{}
	for _, m := range s.byType["Membership"] {
		org := m["organization"].(string)
		if inCity[m["alliance"].(string)] {
			members[org] = true
			if m["leftOn"] == nil {
				active[org] = true
			}
		}
		if m["alliance"] == "AL-0001" {
			guoerluosi[org] = true
		}
	}
	if len(members) < 810 || len(active) < 810 {
		t.Errorf("%d distinct member organizations (%d active), want ≥ 810", len(members), len(active))
	}
	if len(guoerluosi) != 31 {
		t.Errorf("郭尔罗斯社区's alliance has %d members, want 31", len(guoerluosi))
	}
	cppcc := false
	for org := range guoerluosi {
		o := s.code["Organization"][org]
		cppcc = cppcc || (o["kind"] == "PARTY_BRANCH" && strings.Contains(o["name"].(string), "政协前郭尔罗斯蒙古族自治县委员会"))
	}
	if !cppcc {
		t.Errorf("the county CPPCC's party branch is not a member")
	}
	volunteers := 0
	for _, p := range s.byType["Person"] {
		if p["partyMember"] == true && slices.Contains(roles(p), "PARTY_MEMBER") && slices.Contains(roles(p), "VOLUNTEER") &&
			s.communityUnder(p["community"], "220700") {
			volunteers++
		}
	}
	if volunteers < 63000 {
		t.Errorf("%d party-member volunteers in Songyuan, want ≥ 63,000", volunteers)
	}
}

func TestArticleGuoerluosiServices(t *testing.T) {
	s := loadArticle(t)
	months := map[string]map[string]bool{} // category -> months with records
	for _, r := range s.byType["ServiceRecord"] {
		if r["community"] != guoerluosiCode {
			continue
		}
		c := r["category"].(string)
		by, _ := r["providerPerson"].(string)
		switch {
		case c == "HOME_CLEANING" && !slices.Contains(roles(s.code["Person"][by]), "VOLUNTEER"),
			c == "HOME_DOCTOR" && !slices.Contains(roles(s.code["Person"][by]), "DOCTOR"):
			continue // a demand's resolution, not the monthly round
		}
		if months[c] == nil {
			months[c] = map[string]bool{}
		}
		months[c][r["occurredAt"].(string)[:7]] = true
	}
	if n := len(months["HOME_CLEANING"]); n < 44 {
		t.Errorf("home cleaning in %d months, want every month from 2021-05 to 2024-12", n)
	}
	for _, c := range []string{"HOME_DOCTOR", "HEALTH_RECORD", "HEALTH_LECTURE", "SKILLS_TRAINING", "JOB_MATCHING"} {
		if len(months[c]) < 6 {
			t.Errorf("%s in only %d months", c, len(months[c]))
		}
	}
	kinds := map[string]int{}
	for _, ev := range s.byType["ServiceEvent"] {
		if ev["community"] == guoerluosiCode {
			kinds[ev["kind"].(string)]++
		}
	}
	if kinds["MEETING"] < 40 || kinds["HOME_VISIT"] < 40 || kinds["LECTURE"] < 10 || kinds["TRAINING"] < 10 {
		t.Errorf("events at 郭尔罗斯社区: %v", kinds)
	}
	members := map[string]bool{}
	for _, m := range s.byType["Membership"] {
		if m["alliance"] == "AL-0001" {
			members[m["organization"].(string)] = true
		}
	}
	answered := 0
	for _, d := range s.byType["Demand"] {
		if d["community"] != guoerluosiCode {
			continue
		}
		if a, ok := d["assignedTo"].(string); ok && !members[a] {
			t.Errorf("demand %s assigned to a non-member", d["code"])
		}
		if d["respondedAt"] != nil && d["resolvedAt"] != nil {
			answered++
		}
	}
	if answered < 50 {
		t.Errorf("%d demands answered and resolved, want many", answered)
	}
	if s.person(t, "王海")["community"] != guoerluosiCode || s.person(t, "曲玲玲")["community"] != guoerluosiCode {
		t.Errorf("王海 and 曲玲玲 should live in 郭尔罗斯社区")
	}
}

func TestArticleXinchangMarkets(t *testing.T) {
	s := loadArticle(t)
	villages := map[string]bool{}
	for _, c := range s.byType["Community"] {
		if c["region"] == chengnan {
			if c["kind"] != "VILLAGE" {
				t.Errorf("%s is not a village", c["name"])
			}
			villages[c["code"].(string)] = true
		}
	}
	markets, months := map[string]bool{}, map[string]bool{}
	withMarket := map[string]bool{}
	for _, ev := range s.byType["ServiceEvent"] {
		if ev["kind"] == "MARKET" && s.communityUnder(ev["community"], "330624") {
			markets[ev["code"].(string)] = true
			withMarket[ev["community"].(string)] = true
			months[ev["startsAt"].(string)[:7]] = true
		}
	}
	if len(villages) != 17 {
		t.Errorf("城南乡 has %d villages, want 17", len(villages))
	}
	for v := range villages {
		if !withMarket[v] {
			t.Errorf("village %s has no market", v)
		}
	}
	if len(months) < 30 {
		t.Errorf("markets in only %d months", len(months))
	}
	served, resolved := 0, 0
	for _, r := range s.byType["ServiceRecord"] {
		if e, ok := r["event"].(string); ok && markets[e] {
			served += r["peopleServed"].(int)
			if r["resolved"].(bool) {
				resolved++
			}
		}
	}
	if served < 18000 || served >= 19000 || resolved < 450 || resolved >= 500 {
		t.Errorf("markets served %d people and solved %d problems, want 18,000–18,999 and 450–499", served, resolved)
	}
	top := 0
	for _, c := range s.byType["ServiceCategory"] {
		if c["parent"] == nil {
			top++
		}
	}
	if top < 8 {
		t.Errorf("%d top-level categories, want ≥ 8", top)
	}
	for _, c := range []string{"HAIRCUT", "MEDICAL", "APPLIANCE_REPAIR", "TRADITIONAL_MENDING", "VILLAGE_SUPERVISION", "FIRST_AID_TRAINING", "EMPLOYMENT"} {
		if s.code["ServiceCategory"][c] == nil {
			t.Errorf("category %s missing", c)
		}
	}
}

func TestArticleLijialang(t *testing.T) {
	s := loadArticle(t)
	lv, zhu, chen := s.person(t, "吕剑涛"), s.person(t, "朱伯忠"), s.person(t, "陈孝军")
	if !slices.Contains(roles(lv), "DOCTOR") {
		t.Errorf("吕剑涛 is not a doctor")
	}
	atMarket := func(r Line) bool {
		e, ok := r["event"].(string)
		return ok && s.code["ServiceEvent"][e]["kind"] == "MARKET" && r["community"] == lijialangCode
	}
	bp, job := false, false
	for _, r := range s.byType["ServiceRecord"] {
		if r["providerPerson"] == lv["code"] && r["recipient"] == zhu["code"] && atMarket(r) &&
			s.code["ServiceCategory"][r["category"].(string)]["parent"] == "MEDICAL" {
			bp = true
		}
		if r["recipient"] == chen["code"] && atMarket(r) && r["resolved"] == true &&
			s.code["ServiceCategory"][r["category"].(string)]["parent"] == "EMPLOYMENT" {
			year := 0
			fmt.Sscan(r["occurredAt"].(string)[:4], &year)
			if year-chen["birthYear"].(int) != 51 {
				t.Errorf("陈孝军 is %d at the job fair, want 51", year-chen["birthYear"].(int))
			}
			job = true
		}
	}
	if !bp || !job {
		t.Errorf("里家廊村 records: blood pressure %v, lathe job %v", bp, job)
	}
}

// BenchmarkArticle measures generating the whole article scenario.
func BenchmarkArticle(b *testing.B) {
	for b.Loop() {
		if err := Article(func(Line) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
