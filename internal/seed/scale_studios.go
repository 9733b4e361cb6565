package seed

// Synthetic studios follow the article's pattern: street s runs 2 + s%2
// studios, studio j led by the secretary of the street's j-th community with
// that community's expert slot as theory expert; a cohort of four trainees
// every year from 2019 to 2024 drawn from the street's trainee slots; yearly
// research topics and a case every other year.

// eachStudio calls f for every studio with its global index, street and
// index within the street, in code order.
func (g *gen) eachStudio(f func(st, s, j int) error) error {
	for s := range g.nStreets {
		base, n := g.studioBase(s), g.studioBase(s+1)-g.studioBase(s)
		for j := range n {
			if err := f(base+j, s, j); err != nil {
				return err
			}
		}
	}
	return nil
}

func studioCode(st int) string { return code("ST-", st+1, 5) }

// leadCommunity is the community whose secretary leads studio j of street s.
func (g *gen) leadCommunity(s, j int) int { return s*g.p.communes + j }

func (g *gen) studios(emit Emit) error {
	return g.eachStudio(func(st, s, j int) error {
		c := g.leadCommunity(s, j)
		lead := g.person(c, slotSecretary)
		r := newStream(g.seed, kStudio, uint64(st))
		return emit(Line{"type": "Studio", "code": studioCode(st),
			"name":   g.streetName(s) + lead["name"].(string) + "优秀社区党委书记培养工作室",
			"region": g.streetCode[s], "leadMentor": lead["code"], "theoryExpert": g.personCode(c, slotExpert),
			"foundedOn": date(r.between(2017, 2018), r.between(1, 12), 1)})
	})
}

func (g *gen) mentorships(emit Emit) error {
	pool := g.p.communes * (slotExpert - slotTrainees)
	return g.eachStudio(func(st, s, j int) error {
		mentor := g.personCode(g.leadCommunity(s, j), slotSecretary)
		for y := cohortFirst; y <= cohortLast; y++ {
			for t := range traineesPerCohort {
				i := (j*(cohortLast-cohortFirst+1)+y-cohortFirst)*traineesPerCohort + t
				q := i % pool
				trainee := g.personCode(s*g.p.communes+q/8, slotTrainees+q%8)
				l := Line{"type": "Mentorship", "studio": studioCode(st), "mentor": mentor, "trainee": trainee,
					"cohortYear": y, "startedOn": date(y, 3, 1)}
				if y < cohortLast {
					l["endedOn"] = date(y, 12, 31)
				}
				r := newStream(g.seed, kMentorship, uint64(st)<<8|uint64(i))
				outcome, year := mentorshipOutcome(&r, y)
				l["outcome"] = outcome
				if year > 0 {
					l["outcomeYear"] = year
				}
				if err := emit(l); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// mentorshipOutcome: cohorts before the 2021 election may be elected in it;
// later ones become reserve cadres, are promoted or leave; the last cohort is
// still in training (no outcome year).
func mentorshipOutcome(r *stream, y int) (string, int) {
	v := r.intn(100)
	switch {
	case y == cohortLast:
		return "IN_TRAINING", 0
	case y <= 2020 && v < 5:
		return "ELECTED_SECRETARY", 2021
	case y <= 2020 && v < 20:
		return "ELECTED_DEPUTY_SECRETARY", 2021
	case v < 75:
		return "RESERVE_CADRE", y + 1
	case v < 90:
		return "PROMOTED", min(y+2, cohortLast)
	default:
		return "LEFT", y + 1
	}
}

// topics: one research topic a year, led by the studio's lead with two of
// the lead community's workers as members.
func (g *gen) topics(emit Emit) error {
	return g.eachStudio(func(st, s, j int) error {
		c := g.leadCommunity(s, j)
		r := newStream(g.seed, kStudio, uint64(st)<<8|1)
		for k := range topicsPerStudio {
			if err := emit(Line{"type": "ResearchTopic", "code": code("RT-", st*topicsPerStudio+k+1, 6),
				"studio": studioCode(st), "lead": g.personCode(c, slotSecretary),
				"members": []string{g.personCode(c, slotWorkers), g.personCode(c, slotWorkers+4)},
				"title":   topicTitles[r.intn(len(topicTitles))], "year": 2020 + k}); err != nil {
				return err
			}
		}
		return nil
	})
}

// cases: a write-up every other year, with a trainee of the lead community.
func (g *gen) cases(emit Emit) error {
	return g.eachStudio(func(st, s, j int) error {
		c := g.leadCommunity(s, j)
		r := newStream(g.seed, kStudio, uint64(st)<<8|2)
		for k := range casesPerStudio {
			if err := emit(Line{"type": "Case", "code": code("CASE-", st*casesPerStudio+k+1, 6),
				"studio": studioCode(st), "lead": g.personCode(c, slotSecretary),
				"members": []string{g.personCode(c, slotTrainees)},
				"title":   caseTitles[r.intn(len(caseTitles))], "year": 2021 + 2*k}); err != nil {
				return err
			}
		}
		return nil
	})
}
