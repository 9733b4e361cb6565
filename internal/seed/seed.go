// Package seed produces demo and synthetic data as import lines.
//
// It knows nothing about storage: it hands out lines of the contract's NDJSON
// import format (one map per line, "type" names the entity, relations refer to
// codes) to an Emit callback, so the importer, the `seed` command and the tests
// all consume the same stream. Two sources exist:
//
//   - Article: the scenario of the news article the project started from
//     (shared/seed/figures.md). Every figure of the article can be answered
//     from it, and the tests assert each figure directly on the lines.
//   - Scale: synthetic data of a documented size (small, medium, city, province) for
//     load tests. It is generated lazily, so even the 100M-record province
//     never sits in memory.
//
// Lines always come in dependency order (see typeOrder), so a consumer may
// resolve references while it reads.
package seed

// Line is one import line: a JSON object of the contract's NDJSON import format.
type Line = map[string]any

// Emit receives lines one at a time, in dependency order (a line only refers to
// codes emitted before it).
type Emit func(Line) error

// typeOrder is the order in which entity types are emitted. Every reference
// points to a type earlier in the list (or, for Region, ServiceCategory and
// Organization, to an earlier line of the same type), which is what lets an
// importer resolve codes in one pass.
var typeOrder = []string{
	"Region",
	"ServiceCategory",
	"Community",
	"Organization",
	"Person",
	"Position",
	"GradeChange",
	"Alliance",
	"Membership",
	"Studio",
	"Mentorship",
	"ResearchTopic",
	"Case",
	"ServiceEvent",
	"Demand",
	"ServiceRecord",
}

// Indexes into typeOrder, used by the article's per-type buckets.
const (
	tRegion = iota
	tServiceCategory
	tCommunity
	tOrganization
	tPerson
	tPosition
	tGradeChange
	tAlliance
	tMembership
	tStudio
	tMentorship
	tResearchTopic
	tCase
	tServiceEvent
	tDemand
	tServiceRecord
	numTypes
)
