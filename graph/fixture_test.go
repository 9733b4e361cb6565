package graph_test

import (
	"fmt"
	"time"
)

type line = map[string]any

// fixture builds a small, deterministic world of n communities under one
// city (two districts, two streets each) with every entity type, nulls in
// optional fields, and mentorship chains for lineage tests.
func fixture(n int) []line {
	var ls []line
	add := func(l line) { ls = append(ls, l) }
	add(line{"type": "Region", "code": "440000", "name": "广东省", "level": "PROVINCE"})
	add(line{"type": "Region", "code": "440300", "name": "深圳市", "level": "CITY", "parent": "440000"})
	streets := []string{}
	for d := 0; d < 2; d++ {
		dc := fmt.Sprintf("44030%d", 4+d)
		add(line{"type": "Region", "code": dc, "name": fmt.Sprintf("区%d", d), "level": "DISTRICT", "parent": "440300"})
		for s := 0; s < 2; s++ {
			sc := fmt.Sprintf("%s00%d", dc, s+1)
			streets = append(streets, sc)
			add(line{"type": "Region", "code": sc, "name": fmt.Sprintf("街道%d-%d", d, s), "level": "STREET", "parent": dc})
		}
	}
	for _, c := range []string{"HEALTH", "LEGAL_AID", "HAIRCUT", "REPAIR"} {
		add(line{"type": "ServiceCategory", "code": c, "name": "类别" + c})
	}
	add(line{"type": "ServiceCategory", "code": "HEALTH_BP", "name": "血压", "parent": "HEALTH"})
	add(line{"type": "ServiceCategory", "code": "HEALTH_RX", "name": "开药", "parent": "HEALTH"})
	cats := []string{"HEALTH", "LEGAL_AID", "HAIRCUT", "REPAIR", "HEALTH_BP", "HEALTH_RX"}
	roles := [][]string{{"RESIDENT"}, {"PARTY_MEMBER", "VOLUNTEER"}, {"SECRETARY", "MENTOR", "PARTY_MEMBER"}, {"COMMUNITY_WORKER"}}
	for i := 0; i < n; i++ {
		cc := fmt.Sprintf("C%03d", i)
		kind := "URBAN"
		if i%3 == 2 {
			kind = "VILLAGE"
		}
		c := line{"type": "Community", "code": cc, "name": fmt.Sprintf("社区%03d", (i*7)%n), "kind": kind, "region": streets[i%len(streets)], "households": 100 + i}
		if i%4 != 1 {
			c["population"] = 1000 + (i*37)%500
		}
		add(c)
		for o := 0; o < 3; o++ {
			org := line{"type": "Organization", "code": fmt.Sprintf("ORG-%03d-%d", i, o), "name": fmt.Sprintf("单位%d-%d", i, o),
				"kind": []string{"PARTY_COMMITTEE", "PARTY_BRANCH", "ENTERPRISE"}[o], "region": streets[i%len(streets)], "community": cc}
			if o == 1 {
				org["parent"] = fmt.Sprintf("ORG-%03d-0", i)
			}
			add(org)
		}
		for p := 0; p < 4; p++ {
			pc := fmt.Sprintf("P-%03d-%d", i, p)
			per := line{"type": "Person", "code": pc, "name": fmt.Sprintf("张%d%d", i, p), "gender": []string{"F", "M"}[p%2],
				"community": cc, "partyMember": p >= 1, "roles": roles[p], "phone": fmt.Sprintf("1380000%04d", i*4+p)}
			if p != 3 {
				per["birthYear"] = 1960 + (i+p*11)%40
			}
			if p == 2 {
				per["organization"] = fmt.Sprintf("ORG-%03d-0", i)
			}
			add(per)
		}
		add(line{"type": "Position", "person": fmt.Sprintf("P-%03d-2", i), "organization": fmt.Sprintf("ORG-%03d-0", i), "title": "党委书记", "from": "2016-05-01"})
		add(line{"type": "GradeChange", "person": fmt.Sprintf("P-%03d-3", i), "tier": 1, "step": 2, "effectiveOn": "2019-01-01"})
		add(line{"type": "GradeChange", "person": fmt.Sprintf("P-%03d-3", i), "tier": 2, "step": 1, "effectiveOn": "2021-01-01"})
	}
	// Alliances: each community leads one; members come from it and its neighbour.
	for i := 0; i < n; i++ {
		ac := fmt.Sprintf("AL-%03d", i)
		al := line{"type": "Alliance", "code": ac, "name": fmt.Sprintf("联盟%d", i), "leadCommunity": fmt.Sprintf("C%03d", i)}
		if i%5 != 0 {
			al["foundedOn"] = fmt.Sprintf("20%02d-04-01", 15+i%8)
		}
		add(al)
		for m := 0; m < 3; m++ {
			oi := (i + m/2) % n
			mem := line{"type": "Membership", "alliance": ac, "organization": fmt.Sprintf("ORG-%03d-%d", oi, m), "signedOn": fmt.Sprintf("2021-0%d-01", m+1),
				"commitments": []string{cats[(i+m)%4], cats[(i+m+1)%4]}}
			if m == 2 {
				mem["leftOn"] = "2023-06-30"
			}
			add(mem)
		}
	}
	// Studios and a mentorship chain: in each street's studio, the studio's
	// lead mentor trains the next person, who trains the next, ...
	for s, sc := range streets {
		lead := fmt.Sprintf("P-%03d-2", s%n)
		add(line{"type": "Studio", "code": fmt.Sprintf("ST-%d", s), "name": fmt.Sprintf("工作室%d", s), "region": sc,
			"leadMentor": lead, "theoryExpert": fmt.Sprintf("P-%03d-3", s%n), "foundedOn": fmt.Sprintf("%d-03-01", 2017+s)})
	}
	for i := 0; i+1 < n; i++ {
		m := line{"type": "Mentorship", "studio": fmt.Sprintf("ST-%d", i%len(streets)), "mentor": fmt.Sprintf("P-%03d-2", i/2),
			"trainee": fmt.Sprintf("P-%03d-2", i+1), "cohortYear": 2017 + i%5, "startedOn": fmt.Sprintf("%d-03-01", 2017+i%5)}
		switch i % 4 {
		case 0:
			m["outcome"], m["outcomeYear"] = "ELECTED_SECRETARY", 2021
		case 1:
			m["outcome"], m["outcomeYear"] = "ELECTED_DEPUTY_SECRETARY", 2021
		case 2:
			m["outcome"] = "RESERVE_CADRE"
		}
		add(m)
	}
	add(line{"type": "ResearchTopic", "code": "RT-1", "studio": "ST-0", "lead": "P-000-2", "members": []string{"P-001-2", "P-000-3"}, "title": "微改革", "year": 2019})
	add(line{"type": "Case", "code": "CASE-1", "studio": "ST-0", "lead": "P-000-2", "members": []string{"P-001-2"}, "title": "典型案例", "year": 2020})
	base := time.Date(2022, 12, 31, 23, 30, 0, 0, time.FixedZone("CST", 8*3600))
	for i := 0; i < n; i++ {
		cc := fmt.Sprintf("C%03d", i)
		ev := fmt.Sprintf("EV-%03d", i)
		add(line{"type": "ServiceEvent", "code": ev, "kind": []string{"MARKET", "HOME_VISIT", "MEETING"}[i%3], "title": fmt.Sprintf("集市%d", i),
			"community": cc, "organizerAlliance": fmt.Sprintf("AL-%03d", i),
			"startsAt": base.Add(time.Duration(i) * time.Hour).Format(time.RFC3339), "endsAt": base.Add(time.Duration(i+3) * time.Hour).Format(time.RFC3339)})
		for d := 0; d < 2; d++ {
			dm := line{"type": "Demand", "code": fmt.Sprintf("D-%03d-%d", i, d), "community": cc, "alliance": fmt.Sprintf("AL-%03d", i), "category": cats[(i+d)%6],
				"title": fmt.Sprintf("需求%d", d), "raisedAt": base.Add(time.Duration(i*24+d) * time.Hour).Format(time.RFC3339),
				"status": []string{"OPEN", "RESOLVED"}[d]}
			if d == 1 {
				dm["assignedTo"] = fmt.Sprintf("ORG-%03d-2", i)
				dm["respondedAt"] = base.Add(time.Duration(i*24+d+3) * time.Hour).Format(time.RFC3339)
				dm["resolvedAt"] = base.Add(time.Duration(i*24+d+50) * time.Hour).Format(time.RFC3339)
			}
			add(dm)
		}
		for r := 0; r < 5; r++ {
			rec := line{"type": "ServiceRecord", "code": fmt.Sprintf("SR-%03d-%d", i, r), "community": cc, "category": cats[(i+r)%6],
				"occurredAt": base.Add(time.Duration((i*5+r)*7) * time.Hour).Format(time.RFC3339), "peopleServed": (i*3 + r*5) % 11,
				"resolved": (i+r)%3 == 0, "provider": fmt.Sprintf("ORG-%03d-%d", i, r%3)}
			if r%2 == 0 {
				rec["event"] = ev
				rec["alliance"] = fmt.Sprintf("AL-%03d", i)
			}
			if r == 1 {
				rec["recipient"] = fmt.Sprintf("P-%03d-0", i)
				rec["providerPerson"] = fmt.Sprintf("P-%03d-1", i)
				rec["demand"] = fmt.Sprintf("D-%03d-1", i)
			}
			add(rec)
		}
	}
	return ls
}
