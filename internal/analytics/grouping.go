package analytics

import (
	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
)

// Grouping is how stats are grouped: By names the dimensions (each stats
// function lists its own; empty gives one total row, or none when nothing is
// selected), RegionLevel rolls the REGION key up the administrative tree and
// Period picks the PERIOD unit.
type Grouping struct {
	By []string
	// RegionLevel is "", PROVINCE, CITY, DISTRICT or STREET; only with
	// REGION. "" groups by the region the row hangs from (a community's own
	// street; NULL for a mentorship of a studio without a region). A level
	// groups by the ancestor at that level (a region at the level is its own
	// ancestor), and rows with no ancestor at that level (a community hung
	// straight from a district, grouped by STREET) are left out of the
	// result: they form no group.
	RegionLevel string
	// Period is "", DAY, WEEK, MONTH, QUARTER or YEAR (default MONTH); only
	// with PERIOD.
	Period string
}

// keyKind says what a dimension's key is, which decides how it is computed
// and ordered.
type keyKind int

const (
	entityKey keyKind = iota + 1 // a row id, ordered by the entity's code
	regionKey                    // a region id from the row's region path, ordered by code
	periodKey                    // a local period label, ordered by start
	enumKey                      // an enum value, ordered by name
	yearKey                      // a year, ascending
)

// dimension is one way a fact's rows can be grouped.
type dimension struct {
	name      string
	kind      keyKind
	column    string // the fact's column holding the key (entity, enum, year)
	codeTable string // entity and region keys: the table whose code orders them
}

// groupingOf validates g against the fact's dimensions and returns the
// dimensions in the order of g.By, with the region level and period unit to
// use. Every bad combination is a BAD_USER_INPUT error naming it.
func groupingOf(f *fact, g Grouping) (dims []dimension, level, unit string, err error) {
	seen := map[string]bool{}
	for _, name := range g.By {
		d, ok := f.dimension(name)
		if !ok {
			return nil, "", "", apperr.Invalid("groupBy: %s cannot be grouped by %q", f.entity, name)
		}
		if seen[name] {
			return nil, "", "", apperr.Invalid("groupBy: %s is given twice", name)
		}
		seen[name] = true
		dims = append(dims, d)
	}
	if g.RegionLevel != "" {
		if !seen["REGION"] {
			return nil, "", "", apperr.Invalid("regionLevel needs REGION in groupBy")
		}
		if !validLevel(g.RegionLevel) {
			return nil, "", "", apperr.Invalid("regionLevel: unknown level %q", g.RegionLevel)
		}
	}
	if g.Period != "" {
		if !seen["PERIOD"] {
			return nil, "", "", apperr.Invalid("period needs PERIOD in groupBy")
		}
		if !validUnit(g.Period) {
			return nil, "", "", apperr.Invalid("period: unknown unit %q", g.Period)
		}
	}
	unit = g.Period
	if seen["PERIOD"] && unit == "" {
		unit = "MONTH"
	}
	return dims, g.RegionLevel, unit, nil
}

func validLevel(l string) bool {
	for _, v := range store.RegionLevels {
		if v == l {
			return true
		}
	}
	return false
}
