package store

// The catalog describes each entity's table to the code that turns GraphQL
// filters, orders and aggregates into SQL: which GraphQL field is which column
// and of what type, which to-one relation follows which foreign key, and which
// column holds the region path. It is the one place where GraphQL names meet
// column names; graph's tests check it against the schema, so the two cannot
// drift apart.

// FieldType is the type of a filterable, orderable or aggregatable field.
type FieldType int

// The field types; each has its own filter input in the schema.
const (
	String FieldType = iota + 1
	Int
	Float
	Boolean
	DateField
	TimeField
	Enum
	ID
	RoleList // Person.roles: a set of enum values, one row each in person_roles
)

// Field is a scalar field of an entity.
type Field struct {
	Column string
	Type   FieldType
	PII    bool // personal data: filtering or ordering on it needs pii:read
}

// Relation is a to-one link from an entity to another through a foreign key.
type Relation struct {
	Column string
	Target string // entity name
	PII    bool
}

// Many is a to-many link: the rows of Target whose Column holds this
// entity's id. A where on it means "has at least one such row that matches".
type Many struct {
	Target string
	Column string
}

// Entity describes one entity type and its table.
type Entity struct {
	Name       string // GraphQL type name
	Table      string
	PathColumn string // the region path column, "" when not region-bound
	// ScopeVia names the relation through which a type without a region
	// path inherits its owner's visibility (a position is visible when its
	// person is).
	ScopeVia string
	// Global marks reference data every principal sees (service categories).
	Global bool
	// Months, when set, says that on PostgreSQL the table is partitioned by
	// month (migration 0007) and how to find a row's month from its id
	// without visiting every partition.
	Months    *Months
	Fields    map[string]Field
	Relations map[string]Relation
	Many      map[string]Many
}

// Months is how a table partitioned by month (PostgreSQL) is read by id:
// Column is its partition key, and KeyTable has a row (id, Column) for each
// of its rows, indexed by id. A lookup by ids bounds Column by the ids'
// earliest and latest values there, which PostgreSQL resolves before it
// runs the lookup, so it visits only the partitions in between (run-time
// pruning) instead of probing the id index of every month.
type Months struct {
	Column, KeyTable string
}

func many(target, col string) Many      { return Many{Target: target, Column: col} }
func f(col string, t FieldType) Field   { return Field{Column: col, Type: t} }
func pii(col string, t FieldType) Field { return Field{Column: col, Type: t, PII: true} }
func rel(col, target string) Relation   { return Relation{Column: col, Target: target} }
func withID(fields map[string]Field) map[string]Field {
	fields["id"] = f("id", ID)
	fields["code"] = f("code", String)
	return fields
}

// Catalog lists every entity by GraphQL type name.
var Catalog = map[string]*Entity{
	// The access log is read by ADMIN only (graph refuses anyone else);
	// Visible hides it from every restricted principal besides.
	"AccessLogEntry": {
		Name: "AccessLogEntry", Table: "access_log",
		Fields: map[string]Field{
			"id": f("id", ID), "at": f("at", TimeField), "subject": f("subject", String),
			"operation": f("operation", String), "entity": f("entity", String),
		},
	},
	// The audit trail, like the access log, is ADMIN's only.
	"AuditEntry": {
		Name: "AuditEntry", Table: "audit_log",
		Fields: map[string]Field{
			"id": f("id", ID), "at": f("at", TimeField), "subject": f("subject", String),
			"operation": f("operation", String), "entity": f("entity", String), "code": f("code", String),
		},
	},
	"Region": {
		Name: "Region", Table: "regions", PathColumn: "path",
		Fields:    withID(map[string]Field{"name": f("name", String), "level": f("level", Enum)}),
		Relations: map[string]Relation{"parent": rel("parent_id", "Region")},
	},
	"Community": {
		Name: "Community", Table: "communities", PathColumn: "region_path",
		Fields: withID(map[string]Field{
			"name": f("name", String), "kind": f("kind", Enum),
			"population": f("population", Int), "households": f("households", Int),
		}),
		Relations: map[string]Relation{"region": rel("region_id", "Region")},
		Many: map[string]Many{
			"alliances": many("Alliance", "lead_community_id"), "organizations": many("Organization", "community_id"),
			"people": many("Person", "community_id"), "serviceEvents": many("ServiceEvent", "community_id"),
			"serviceRecords": many("ServiceRecord", "community_id"), "demands": many("Demand", "community_id"),
		},
	},
	"Organization": {
		Name: "Organization", Table: "organizations", PathColumn: "region_path",
		Fields: withID(map[string]Field{"name": f("name", String), "kind": f("kind", Enum)}),
		Relations: map[string]Relation{
			"region": rel("region_id", "Region"), "community": rel("community_id", "Community"),
			"parent": rel("parent_id", "Organization"),
		},
		Many: map[string]Many{
			"memberships": many("Membership", "organization_id"), "serviceRecords": many("ServiceRecord", "provider_id"),
			"assignedDemands": many("Demand", "assigned_to_id"),
		},
	},
	"Alliance": {
		Name: "Alliance", Table: "alliances", PathColumn: "region_path",
		Fields:    withID(map[string]Field{"name": f("name", String), "foundedOn": f("founded_on", DateField)}),
		Relations: map[string]Relation{"leadCommunity": rel("lead_community_id", "Community")},
		Many: map[string]Many{
			"members": many("Membership", "alliance_id"), "demands": many("Demand", "alliance_id"),
			"serviceRecords": many("ServiceRecord", "alliance_id"),
		},
	},
	"Membership": {
		Name: "Membership", Table: "memberships", PathColumn: "region_path",
		Fields: withID(map[string]Field{"signedOn": f("signed_on", DateField), "leftOn": f("left_on", DateField)}),
		Relations: map[string]Relation{
			"alliance": rel("alliance_id", "Alliance"), "organization": rel("organization_id", "Organization"),
		},
	},
	"Person": {
		Name: "Person", Table: "people", PathColumn: "region_path",
		Fields: withID(map[string]Field{
			"name": pii("name", String), "gender": f("gender", Enum), "birthYear": pii("birth_year", Int),
			"phone": pii("phone", String), "partyMember": f("party_member", Boolean), "roles": f("roles", RoleList),
		}),
		Relations: map[string]Relation{
			"community": rel("community_id", "Community"), "organization": rel("organization_id", "Organization"),
		},
		Many: map[string]Many{
			"traineeships": many("Mentorship", "trainee_id"), "mentorships": many("Mentorship", "mentor_id"),
			"positions": many("Position", "person_id"), "gradeHistory": many("GradeChange", "person_id"),
		},
	},
	"Position": {
		Name: "Position", Table: "positions", ScopeVia: "person",
		Fields: withID(map[string]Field{"title": f("title", String), "from": f("from_on", DateField), "to": f("to_on", DateField)}),
		Relations: map[string]Relation{
			"person": rel("person_id", "Person"), "organization": rel("organization_id", "Organization"),
		},
	},
	"GradeChange": {
		Name: "GradeChange", Table: "grade_changes", ScopeVia: "person",
		Fields: withID(map[string]Field{
			"tier": f("tier", Int), "step": f("step", Int), "effectiveOn": f("effective_on", DateField),
		}),
		Relations: map[string]Relation{"person": rel("person_id", "Person")},
	},
	"Studio": {
		Name: "Studio", Table: "studios", PathColumn: "region_path",
		Fields: withID(map[string]Field{"name": f("name", String), "foundedOn": f("founded_on", DateField)}),
		Relations: map[string]Relation{
			"region": rel("region_id", "Region"), "leadMentor": rel("lead_mentor_id", "Person"),
			"theoryExpert": rel("theory_expert_id", "Person"),
		},
		Many: map[string]Many{"mentorships": many("Mentorship", "studio_id")},
	},
	"Mentorship": {
		Name: "Mentorship", Table: "mentorships", PathColumn: "region_path",
		Fields: withID(map[string]Field{
			"cohortYear": f("cohort_year", Int), "startedOn": f("started_on", DateField),
			"endedOn": f("ended_on", DateField), "outcome": f("outcome", Enum), "outcomeYear": f("outcome_year", Int),
		}),
		Relations: map[string]Relation{
			"studio": rel("studio_id", "Studio"), "mentor": rel("mentor_id", "Person"), "trainee": rel("trainee_id", "Person"),
		},
	},
	"ResearchTopic": {
		Name: "ResearchTopic", Table: "research_topics", ScopeVia: "studio",
		Fields:    withID(map[string]Field{"title": f("title", String), "year": f("year", Int)}),
		Relations: map[string]Relation{"studio": rel("studio_id", "Studio"), "lead": rel("lead_id", "Person")},
	},
	"Case": {
		Name: "Case", Table: "cases", ScopeVia: "studio",
		Fields:    withID(map[string]Field{"title": f("title", String), "year": f("year", Int)}),
		Relations: map[string]Relation{"studio": rel("studio_id", "Studio"), "lead": rel("lead_id", "Person")},
	},
	"ServiceCategory": {
		Name: "ServiceCategory", Table: "service_categories", Global: true,
		Fields:    withID(map[string]Field{"name": f("name", String)}),
		Relations: map[string]Relation{"parent": rel("parent_id", "ServiceCategory")},
	},
	"ServiceEvent": {
		Name: "ServiceEvent", Table: "service_events", PathColumn: "region_path",
		Fields: withID(map[string]Field{
			"kind": f("kind", Enum), "title": f("title", String),
			"startsAt": f("starts_at", TimeField), "endsAt": f("ends_at", TimeField),
		}),
		Relations: map[string]Relation{
			"community":             rel("community_id", "Community"),
			"organizerOrganization": rel("organizer_organization_id", "Organization"),
			"organizerAlliance":     rel("organizer_alliance_id", "Alliance"),
		},
		Many: map[string]Many{"serviceRecords": many("ServiceRecord", "event_id")},
	},
	"ServiceRecord": {
		Name: "ServiceRecord", Table: "service_records", PathColumn: "region_path",
		Months: &Months{Column: "occurred_at", KeyTable: "service_record_codes"},
		Fields: withID(map[string]Field{
			"occurredAt": f("occurred_at", TimeField), "peopleServed": f("people_served", Int),
			"resolved": f("resolved", Boolean),
		}),
		Relations: map[string]Relation{
			"community": rel("community_id", "Community"), "category": rel("category_id", "ServiceCategory"),
			"provider": rel("provider_id", "Organization"), "providerPerson": rel("provider_person_id", "Person"),
			"recipient": {Column: "recipient_id", Target: "Person", PII: true},
			"event":     rel("event_id", "ServiceEvent"), "alliance": rel("alliance_id", "Alliance"),
			"demand": rel("demand_id", "Demand"),
		},
	},
	"Demand": {
		Name: "Demand", Table: "demands", PathColumn: "region_path",
		Fields: withID(map[string]Field{
			"title": f("title", String), "raisedAt": f("raised_at", TimeField), "status": f("status", Enum),
			"respondedAt": f("responded_at", TimeField), "resolvedAt": f("resolved_at", TimeField),
		}),
		Relations: map[string]Relation{
			"community": rel("community_id", "Community"), "alliance": rel("alliance_id", "Alliance"),
			"category": rel("category_id", "ServiceCategory"), "assignedTo": rel("assigned_to_id", "Organization"),
		},
	},
}
