package seed

// category is one node of the service category tree. Categories are data, not
// code: the article's markets started with eight kinds of service and added
// more later, and both the article and the synthetic data use this one tree so
// that dashboards built on one also work on the other.
type category struct {
	code, name, parent string
}

// categories is the service category tree, parents before children.
//
// The first eight top-level entries are the eight kinds of service that
// 城南乡's markets started with; VILLAGE_SUPERVISION, FIRST_AID_TRAINING and
// EMPLOYMENT are the ones the article says were added later. The rest serve
// the alliances (home care, legal aid, culture and sport, ...) and the cadre
// training programmes.
var categories = []category{
	{"HAIRCUT", "理发", ""},
	{"MEDICAL", "健康服务", ""},
	{"HEALTH_CHECK", "健康检查", "MEDICAL"},
	{"PRESCRIPTION", "问诊配药", "MEDICAL"},
	{"HOME_DOCTOR", "医生上门服务", "MEDICAL"},
	{"HEALTH_RECORD", "建立健康档案", "MEDICAL"},
	{"HEALTH_LECTURE", "医疗讲堂", "MEDICAL"},
	{"APPLIANCE_REPAIR", "家电维保", ""},
	{"TRADITIONAL_MENDING", "传统修补", ""},
	{"MEDIATION", "矛盾调解", ""},
	{"LEGAL_AID", "法律援助", ""},
	{"POLICY_CONSULTING", "政策咨询", ""},
	{"AGRI_TECH", "农技指导", ""},
	{"VILLAGE_SUPERVISION", "村级监察工作联络", ""},
	{"FIRST_AID_TRAINING", "红十字救护培训", ""},
	{"EMPLOYMENT", "就业服务", ""},
	{"JOB_MATCHING", "就业对接", "EMPLOYMENT"},
	{"JOB_FAIR", "求职招聘", "EMPLOYMENT"},
	{"HOME_CARE", "居家养老服务", ""},
	{"HOME_CLEANING", "上门清洁", "HOME_CARE"},
	{"MEAL_ASSISTANCE", "助餐送餐", "HOME_CARE"},
	{"SKILLS_TRAINING", "技能培训", ""},
	{"CULTURE_SPORTS", "文体活动", ""},
	{"PARTY_ACTIVITY", "党建活动", ""},
	{"CADRE_TRAINING", "社区干部培训", ""},
}

// categoryLines turns the tree into import lines.
func categoryLines() []Line {
	out := make([]Line, 0, len(categories))
	for _, c := range categories {
		l := Line{"type": "ServiceCategory", "code": c.code, "name": c.name}
		if c.parent != "" {
			l["parent"] = c.parent
		}
		out = append(out, l)
	}
	return out
}
