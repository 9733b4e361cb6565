package rollup

import (
	"fmt"
	"strings"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
)

// Zone is the time zone roll-up periods are cut in. A stats question cut in
// another zone can still use a roll-up when it has no period and its window
// falls on this zone's boundaries.
var Zone = store.Shanghai

// Labels are exact for the zone's whole history on both stores: PostgreSQL
// converts with AT TIME ZONE; SQLite, which has no zone database, adds the
// offset in force at the instant, chosen by a CASE over every offset change
// of the zone (about thirty for Asia/Shanghai, from its local mean time
// before 1901 to the summer times of 1940–1949 and 1986–1991). The CASE is
// literal SQL, without parameters, so that a migration can hold it too, and
// tests the latest change first: recent rows match at once.

var (
	historyStart = time.Date(1800, time.January, 1, 0, 0, 0, 0, time.UTC)
	historyEnd   = time.Date(2100, time.January, 1, 0, 0, 0, 0, time.UTC)
)

// sqliteTime is how SQLite stores an instant (store's fixed-width UTC text).
const sqliteTime = "2006-01-02T15:04:05.000000Z"

// label returns SQL for the local period ('2006-01' for "month",
// '2006-01-02' for "day") of the instant expression col.
func label(d store.Dialect, period, col string) string {
	if d == store.Postgres {
		return formatted(period, col+" AT TIME ZONE '"+Zone.String()+"'")
	}
	f := map[string]string{"month": "%Y-%m", "day": "%Y-%m-%d"}[period]
	return "strftime('" + f + "', " + col + ", " + sqliteOffset(col) + ")"
}

// truncated is PostgreSQL for the local time of the instant expression col
// truncated to its period, which formatted turns into the period's label.
func truncated(period, col string) string {
	return "date_trunc('" + period + "', " + col + " AT TIME ZONE '" + Zone.String() + "')"
}

// formatted is PostgreSQL for the label of a local time truncated to the
// period.
func formatted(period, expr string) string {
	f := map[string]string{"month": "YYYY-MM", "day": "YYYY-MM-DD"}[period]
	return "to_char(" + expr + ", '" + f + "') COLLATE \"C\""
}

// sqliteOffset is the strftime modifier that turns the UTC text in col into
// local time in Zone.
func sqliteOffset(col string) string {
	modifier := func(offset int) string { return fmt.Sprintf("'%+d seconds'", offset) }
	_, first := historyStart.In(Zone).Zone()
	var b strings.Builder
	b.WriteString("CASE")
	var whens []string
	prev, t := first, historyStart
	for i := 0; i < 2000; i++ {
		_, end := t.In(Zone).ZoneBounds()
		if end.IsZero() || !end.Before(historyEnd) {
			break
		}
		if _, off := end.In(Zone).Zone(); off != prev {
			whens = append(whens, " WHEN "+col+" >= '"+end.UTC().Format(sqliteTime)+"' THEN "+modifier(off))
			prev = off
		}
		t = end
	}
	if len(whens) == 0 {
		return modifier(first)
	}
	for i := len(whens) - 1; i >= 0; i-- {
		b.WriteString(whens[i])
	}
	b.WriteString(" ELSE " + modifier(first) + " END")
	return b.String()
}

// monthBounds are the instants a local month starts and ends at.
func monthBounds(month string) (start, end time.Time, err error) {
	m, err := time.ParseInLocation("2006-01", month, Zone)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("roll-up month %q: %w", month, err)
	}
	return m, m.AddDate(0, 1, 0), nil
}
