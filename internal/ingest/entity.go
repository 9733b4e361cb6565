package ingest

import (
	"strconv"
	"strings"

	"github.com/civicgraph/civicgraph/internal/store"
)

// The import format is described here once, as data: every entity type, its
// fields in the order export writes them, what JSON each field takes and which
// column it lands in. The decoder, the writer and the exporter all read this
// table, so a field cannot be importable and not exportable, or validated one
// way on the way in and written another way on the way out.

// kind is what a field holds in a line.
type kind uint8

const (
	kString    kind = iota + 1 // text
	kInt                       // a non-negative integer that fits a 32-bit column
	kBool                      // true or false
	kDate                      // YYYY-MM-DD
	kTime                      // RFC 3339 with offset
	kEnum                      // one of field.enum
	kTimeZone                  // an IANA time zone name
	kRef                       // the code of a field.ref entity: a foreign key
	kRefs                      // a set of field.ref codes, kept in field.link
	kRoles                     // a set of store.Roles: people.roles and person_roles
	kOrganizer                 // an organization code, else an alliance code
)

// field is one key of a line.
type field struct {
	name     string // JSON key
	kind     kind
	column   string // the column it is written to; "" for sets and organizer
	required bool
	enum     []string
	ref      string // the referenced entity type, for kRef and kRefs
	def      any    // the value written when the field is absent (NOT NULL columns)
	link     *link  // kRefs, kRoles: the table holding the set, one row per item
}

// link is a table holding one set-valued field: one row per (owner, item).
type link struct {
	table, owner, item string
}

// entity is one type of line.
type entity struct {
	index  int    // position in dependency order
	name   string // the "type" of its lines
	table  string
	fields []field
	byName map[string]int

	// derive names the fields whose codes or values, joined by "/", make the
	// code of a line that has none. nil: the line must give "code".
	derive []string
	// pathFrom names the reference fields whose region path the row copies
	// into its region_path column, first given first; nil: no region_path.
	pathFrom []string
	// pathColumn is the column other rows copy their region path from:
	// "path" for regions, "region_path" for the region-bound types.
	pathColumn string
	// parent is the index of the self-reference field (a tree), or -1.
	parent int

	cols []string // the columns an upsert writes, code first

	// grows marks the table that grows without bound (service records): an
	// import that fills it from empty builds its indexes after its rows
	// (bulk.go).
	grows bool

	referenced bool // some other field refers to this type by code
	pathSource bool // some type copies its region path from this one
	hasSets    bool // a field is written to another table, keyed by id
}

// Dependency order: every reference points to an earlier type, except the
// parent of a Region, ServiceCategory or Organization, which points to the
// same type.
var entities = []*entity{
	{name: "Region", table: "regions", pathColumn: "path", fields: []field{
		{name: "name", kind: kString, column: "name", required: true},
		{name: "level", kind: kEnum, column: "level", required: true, enum: store.RegionLevels},
		{name: "parent", kind: kRef, column: "parent_id", ref: "Region"},
		{name: "timeZone", kind: kTimeZone, column: "time_zone"},
	}},
	{name: "ServiceCategory", table: "service_categories", fields: []field{
		{name: "name", kind: kString, column: "name", required: true},
		{name: "parent", kind: kRef, column: "parent_id", ref: "ServiceCategory"},
	}},
	{name: "Community", table: "communities", pathFrom: []string{"region"}, fields: []field{
		{name: "name", kind: kString, column: "name", required: true},
		{name: "kind", kind: kEnum, column: "kind", required: true, enum: store.CommunityKinds},
		{name: "region", kind: kRef, column: "region_id", ref: "Region", required: true},
		{name: "population", kind: kInt, column: "population"},
		{name: "households", kind: kInt, column: "households"},
	}},
	{name: "Organization", table: "organizations", pathFrom: []string{"region", "community"}, fields: []field{
		{name: "name", kind: kString, column: "name", required: true},
		{name: "kind", kind: kEnum, column: "kind", required: true, enum: store.OrganizationKinds},
		{name: "region", kind: kRef, column: "region_id", ref: "Region"},
		{name: "community", kind: kRef, column: "community_id", ref: "Community"},
		{name: "parent", kind: kRef, column: "parent_id", ref: "Organization"},
	}},
	{name: "Person", table: "people", pathFrom: []string{"community"}, fields: []field{
		{name: "name", kind: kString, column: "name", required: true},
		{name: "gender", kind: kEnum, column: "gender", enum: store.Genders},
		{name: "birthYear", kind: kInt, column: "birth_year"},
		{name: "phone", kind: kString, column: "phone"},
		{name: "community", kind: kRef, column: "community_id", ref: "Community"},
		{name: "organization", kind: kRef, column: "organization_id", ref: "Organization"},
		{name: "partyMember", kind: kBool, column: "party_member", def: false},
		{name: "roles", kind: kRoles, column: "roles", enum: store.Roles,
			link: &link{table: "person_roles", owner: "person_id", item: "role"}},
	}},
	{name: "Position", table: "positions", derive: []string{"person", "organization", "title", "from"}, fields: []field{
		{name: "person", kind: kRef, column: "person_id", ref: "Person", required: true},
		{name: "organization", kind: kRef, column: "organization_id", ref: "Organization"},
		{name: "title", kind: kString, column: "title", required: true},
		{name: "from", kind: kDate, column: "from_on"},
		{name: "to", kind: kDate, column: "to_on"},
	}},
	{name: "GradeChange", table: "grade_changes", derive: []string{"person", "effectiveOn"}, fields: []field{
		{name: "person", kind: kRef, column: "person_id", ref: "Person", required: true},
		{name: "tier", kind: kInt, column: "tier", required: true},
		{name: "step", kind: kInt, column: "step", required: true},
		{name: "effectiveOn", kind: kDate, column: "effective_on", required: true},
	}},
	{name: "Alliance", table: "alliances", pathFrom: []string{"leadCommunity"}, fields: []field{
		{name: "name", kind: kString, column: "name", required: true},
		{name: "leadCommunity", kind: kRef, column: "lead_community_id", ref: "Community"},
		{name: "foundedOn", kind: kDate, column: "founded_on"},
	}},
	{name: "Membership", table: "memberships", derive: []string{"alliance", "organization"}, pathFrom: []string{"alliance"}, fields: []field{
		{name: "alliance", kind: kRef, column: "alliance_id", ref: "Alliance", required: true},
		{name: "organization", kind: kRef, column: "organization_id", ref: "Organization", required: true},
		{name: "signedOn", kind: kDate, column: "signed_on"},
		{name: "leftOn", kind: kDate, column: "left_on"},
		{name: "commitments", kind: kRefs, ref: "ServiceCategory",
			link: &link{table: "membership_commitments", owner: "membership_id", item: "category_id"}},
	}},
	{name: "Studio", table: "studios", pathFrom: []string{"region"}, fields: []field{
		{name: "name", kind: kString, column: "name", required: true},
		{name: "region", kind: kRef, column: "region_id", ref: "Region"},
		{name: "leadMentor", kind: kRef, column: "lead_mentor_id", ref: "Person"},
		{name: "theoryExpert", kind: kRef, column: "theory_expert_id", ref: "Person"},
		{name: "foundedOn", kind: kDate, column: "founded_on"},
	}},
	{name: "Mentorship", table: "mentorships", derive: []string{"studio", "trainee", "cohortYear"}, pathFrom: []string{"studio"}, fields: []field{
		{name: "studio", kind: kRef, column: "studio_id", ref: "Studio", required: true},
		{name: "mentor", kind: kRef, column: "mentor_id", ref: "Person"},
		{name: "trainee", kind: kRef, column: "trainee_id", ref: "Person", required: true},
		{name: "cohortYear", kind: kInt, column: "cohort_year"},
		{name: "startedOn", kind: kDate, column: "started_on"},
		{name: "endedOn", kind: kDate, column: "ended_on"},
		{name: "outcome", kind: kEnum, column: "outcome", enum: store.MentorshipOutcomes},
		{name: "outcomeYear", kind: kInt, column: "outcome_year"},
	}},
	studioOutput("ResearchTopic", "research_topics", &link{table: "research_topic_members", owner: "research_topic_id", item: "person_id"}),
	studioOutput("Case", "cases", &link{table: "case_members", owner: "case_id", item: "person_id"}),
	{name: "ServiceEvent", table: "service_events", pathFrom: []string{"community"}, fields: []field{
		{name: "kind", kind: kEnum, column: "kind", required: true, enum: store.ServiceEventKinds},
		{name: "title", kind: kString, column: "title", required: true},
		{name: "community", kind: kRef, column: "community_id", ref: "Community"},
		{name: "organizer", kind: kOrganizer, ref: "Organization"},
		{name: "organizerOrganization", kind: kRef, column: "organizer_organization_id", ref: "Organization"},
		{name: "organizerAlliance", kind: kRef, column: "organizer_alliance_id", ref: "Alliance"},
		{name: "startsAt", kind: kTime, column: "starts_at"},
		{name: "endsAt", kind: kTime, column: "ends_at"},
	}},
	{name: "Demand", table: "demands", pathFrom: []string{"community"}, fields: []field{
		{name: "community", kind: kRef, column: "community_id", ref: "Community", required: true},
		{name: "alliance", kind: kRef, column: "alliance_id", ref: "Alliance"},
		{name: "category", kind: kRef, column: "category_id", ref: "ServiceCategory"},
		{name: "title", kind: kString, column: "title", required: true},
		{name: "raisedAt", kind: kTime, column: "raised_at", required: true},
		{name: "status", kind: kEnum, column: "status", required: true, enum: store.DemandStatuses},
		{name: "assignedTo", kind: kRef, column: "assigned_to_id", ref: "Organization"},
		{name: "respondedAt", kind: kTime, column: "responded_at"},
		{name: "resolvedAt", kind: kTime, column: "resolved_at"},
	}},
	{name: "ServiceRecord", table: "service_records", pathFrom: []string{"community"}, grows: true, fields: []field{
		{name: "community", kind: kRef, column: "community_id", ref: "Community", required: true},
		{name: "category", kind: kRef, column: "category_id", ref: "ServiceCategory"},
		{name: "occurredAt", kind: kTime, column: "occurred_at", required: true},
		{name: "peopleServed", kind: kInt, column: "people_served", def: int64(0)},
		{name: "resolved", kind: kBool, column: "resolved", def: false},
		{name: "provider", kind: kRef, column: "provider_id", ref: "Organization"},
		{name: "providerPerson", kind: kRef, column: "provider_person_id", ref: "Person"},
		{name: "recipient", kind: kRef, column: "recipient_id", ref: "Person"},
		{name: "event", kind: kRef, column: "event_id", ref: "ServiceEvent"},
		{name: "alliance", kind: kRef, column: "alliance_id", ref: "Alliance"},
		{name: "demand", kind: kRef, column: "demand_id", ref: "Demand"},
	}},
}

// studioOutput is the shape shared by research topics and cases.
func studioOutput(name, table string, members *link) *entity {
	return &entity{name: name, table: table, derive: []string{"studio", "title"}, fields: []field{
		{name: "studio", kind: kRef, column: "studio_id", ref: "Studio", required: true},
		{name: "lead", kind: kRef, column: "lead_id", ref: "Person"},
		{name: "members", kind: kRefs, ref: "Person", link: members},
		{name: "title", kind: kString, column: "title", required: true},
		{name: "year", kind: kInt, column: "year"},
	}}
}

// byType finds an entity by its type name.
var byType = map[string]*entity{}

// organizerAlt is the type an organizer code is looked up in when no
// organization has it.
const organizerAlt = "Alliance"

func init() {
	for i, e := range entities {
		e.index = i
		e.parent = -1
		e.byName = make(map[string]int, len(e.fields))
		for j, f := range e.fields {
			e.byName[f.name] = j
		}
		if e.pathFrom != nil {
			e.pathColumn = "region_path"
		}
		byType[e.name] = e
	}
	for _, e := range entities {
		for j, f := range e.fields {
			if f.link != nil {
				e.hasSets = true
			}
			if f.ref == "" {
				continue
			}
			target := byType[f.ref]
			target.referenced = true
			if target == e {
				e.parent = j
			}
			if f.kind == kOrganizer {
				byType[organizerAlt].referenced = true
			}
		}
		for _, name := range e.pathFrom {
			byType[e.fields[e.byName[name]].ref].pathSource = true
		}
		e.cols = append(e.cols, "code")
		for _, f := range e.fields {
			if f.column != "" {
				e.cols = append(e.cols, f.column)
			}
		}
		if e.pathFrom != nil {
			e.cols = append(e.cols, "region_path")
		}
	}
}

// columns lists the columns an upsert of e writes, code first.
func (e *entity) columns() []string { return e.cols }

// Types lists the entity type names in dependency order: the order Import
// writes them in and Export writes them out.
func Types() []string {
	out := make([]string, len(entities))
	for i, e := range entities {
		out[i] = e.name
	}
	return out
}

// deriveCode builds the code of a line that gives none, from the fields the
// entity names: "<alliance>/<organization>" for a membership. An absent
// field is an empty part, so the code is the same whenever the line is.
func (e *entity) deriveCode(rec *record) string {
	var b strings.Builder
	for i, name := range e.derive {
		if i > 0 {
			b.WriteByte('/')
		}
		j := e.byName[name]
		v := &rec.vals[j]
		if !v.set {
			continue
		}
		if e.fields[j].kind == kInt {
			b.WriteString(strconv.FormatInt(v.n, 10))
		} else {
			b.WriteString(v.s)
		}
	}
	return b.String()
}
