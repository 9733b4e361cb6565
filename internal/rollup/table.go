package rollup

import "slices"

// Table is one roll-up table: its rows are keyed by region_path, the local
// period (when it has one) and Dims, and hold the sums of Measures over the
// base rows of the key. Tables are data, so that maintenance, verification
// and the stats reader all derive their SQL from the same description.
type Table struct {
	Name string
	// Period is the local period column: "month" ('2006-01'), "day"
	// ('2006-01-02'), or "" for a table without time.
	Period string
	// Dims are the key columns besides region_path and Period, named as the
	// base table's columns; event_kind is the kind of a record's event.
	Dims []string
	// Measures are the summed columns; the first counts base rows.
	Measures []string
	// from is the finer roll-up this one is summed from when maintained (it
	// has every key column of this one); nil: counted from src.
	from *Table
	src  *source
}

// source is a base table that roll-ups count: the SQL of each roll-up
// column over it, the joins a column needs, and each measure's aggregate.
//
// Roll-ups count live rows only: an archived record or demand counts
// nowhere, and an archived event files its records under no event kind
// (as if they had none), which is what a where on the base tables
// (package query) reads too. live is the condition on the table's alias
// and liveJoins the one each join adds to its ON clause; both are left
// out only to spell the statements of migration 0002, which ran before
// rows could be archived.
type source struct {
	table, alias string
	instant      string // the time column periods are cut from, "" for none
	cols         map[string]string
	joins        map[string]string
	measures     map[string]string
	live         string            // "" when every row counts (the staged copy holds live rows only)
	liveJoins    map[string]string // by column, like joins
}

var serviceRecords = &source{
	table: "service_records", alias: "sr", instant: "sr.occurred_at",
	cols: map[string]string{
		"region_path": "sr.region_path", "community_id": "sr.community_id", "category_id": "sr.category_id",
		"provider_id": "sr.provider_id", "alliance_id": "sr.alliance_id", "event_kind": "ev.kind",
	},
	joins: map[string]string{"event_kind": "LEFT JOIN service_events ev ON ev.id = sr.event_id"},
	measures: map[string]string{
		"records": "COUNT(*)", "people_served": "SUM(sr.people_served)",
		"resolved": "SUM(CASE WHEN sr.resolved THEN 1 ELSE 0 END)",
	},
	live:      "sr.archived_at IS NULL",
	liveJoins: map[string]string{"event_kind": "ev.archived_at IS NULL"},
}

var demands = &source{
	table: "demands", alias: "d",
	cols:     map[string]string{"region_path": "d.region_path", "status": "d.status"},
	measures: map[string]string{"demands": "COUNT(*)"},
	live:     "d.archived_at IS NULL",
}

// join is the join column c needs, "" for none; with live, one that finds
// live rows only.
func (s *source) join(c string, live bool) string {
	j := s.joins[c]
	if j != "" && live && s.liveJoins[c] != "" {
		j += " AND " + s.liveJoins[c]
	}
	return j
}

var serviceMeasures = []string{"records", "people_served", "resolved"}

// The tables. Sizes are for `seed --scale city` (10M records, 1,000
// communities in 100 streets, 25 categories, 36 months).
var (
	// CommunityMonth is the finest monthly roll-up: community, category and
	// the kind of the record's event (~0.7M rows). It answers community and
	// event-kind filters and is what RegionMonth is summed from.
	CommunityMonth = &Table{Name: "service_rollup_community_month", Period: "month",
		Dims: []string{"community_id", "category_id", "event_kind"}, Measures: serviceMeasures, src: serviceRecords}
	// RegionMonth is the dashboard's table: the region a community hangs
	// from (usually its street), category, month (~70k rows).
	RegionMonth = &Table{Name: "service_rollup_region_month", Period: "month",
		Dims: []string{"category_id"}, Measures: serviceMeasures, src: serviceRecords, from: CommunityMonth}
	// RegionTotal is RegionMonth over all time (~100 rows): a region's
	// summary of people served and problems solved.
	RegionTotal = &Table{Name: "service_rollup_region", Measures: serviceMeasures, src: serviceRecords, from: RegionMonth}
	// ProviderMonth is by community, provider and alliance (~1M rows: a
	// community's records come from its own units and its alliances').
	ProviderMonth = &Table{Name: "service_rollup_provider_month", Period: "month",
		Dims: []string{"community_id", "provider_id", "alliance_id"}, Measures: serviceMeasures, src: serviceRecords}
	// AllianceMonth is by alliance only (~75k rows), summed from ProviderMonth.
	AllianceMonth = &Table{Name: "service_rollup_alliance_month", Period: "month",
		Dims: []string{"alliance_id"}, Measures: serviceMeasures, src: serviceRecords, from: ProviderMonth}
	// CommunityDay answers DAY and WEEK periods and day-aligned windows
	// (~1.1M rows).
	CommunityDay = &Table{Name: "service_rollup_community_day", Period: "day",
		Dims: []string{"community_id"}, Measures: serviceMeasures, src: serviceRecords}
	// DemandStatus counts demands by status, for the open demands of a
	// region's summary (a few rows per street).
	DemandStatus = &Table{Name: "demand_rollup_status",
		Dims: []string{"status"}, Measures: []string{"demands"}, src: demands}
)

// Tables lists every roll-up, each after the one it is summed from: the
// order they are maintained in.
var Tables = []*Table{CommunityMonth, RegionMonth, RegionTotal, ProviderMonth, AllianceMonth, CommunityDay, DemandStatus}

// ServiceTables lists the roll-ups of service records, smallest first: a
// reader takes the first that can answer a question.
var ServiceTables = []*Table{RegionTotal, RegionMonth, AllianceMonth, CommunityMonth, ProviderMonth, CommunityDay}

// Has says whether col is a key column of the table (region_path always
// is).
func (t *Table) Has(col string) bool { return col == "region_path" || slices.Contains(t.Dims, col) }

// keyColumns are region_path, the period column and the dimensions.
func (t *Table) keyColumns() []string {
	cols := []string{"region_path"}
	if t.Period != "" {
		cols = append(cols, t.Period)
	}
	return append(cols, t.Dims...)
}

// columns are the key columns and the measures, in table order.
func (t *Table) columns() []string { return append(t.keyColumns(), t.Measures...) }
