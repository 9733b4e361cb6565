package analytics

import (
	"fmt"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
)

// The two stores cut local periods differently. PostgreSQL has a zone
// database: (col AT TIME ZONE 'zone') is the local wall-clock time, and
// to_char formats the label (IYYY/IW are the ISO week-year and week).
// SQLite has none: strftime shifts the stored UTC text by a modifier such as
// '+28800 seconds' ('%G-W%V' is the ISO week-year and week, SQLite >= 3.46).
// The offset is the zone's at the window start; where the zone changes its
// offset inside the window (daylight saving time, or China's 1986–1991
// summers when an open window reaches back that far), a CASE picks the
// offset of each transition, so both stores agree for any zone Go and
// PostgreSQL agree on. Open windows are bounded at 1800 and 2100 for this
// purpose only (rows outside get the nearest offset): from 1800 the CASE
// covers a zone's whole history, local mean time included, which is what
// the roll-ups file their rows under too (package rollup), so that an open
// window reads the same periods from both.

var (
	openStart = time.Date(1800, time.January, 1, 0, 0, 0, 0, time.UTC)
	openEnd   = time.Date(2100, time.January, 1, 0, 0, 0, 0, time.UTC)
)

// writePeriodLabel writes the SQL for the label of the local period of the
// given unit that the instant column col falls in.
func writePeriodLabel(b *sqlBuf, d store.Dialect, col, unit string, zone *time.Location, from, to *time.Time) {
	if d == store.Postgres {
		format := map[string]string{
			"DAY": "YYYY-MM-DD", "WEEK": `IYYY-"W"IW`, "MONTH": "YYYY-MM", "QUARTER": `YYYY-"Q"Q`, "YEAR": "YYYY",
		}[unit]
		b.w("to_char(", col, " AT TIME ZONE ").arg(zone.String()).w(", '", format, "')")
		return
	}
	strftime := func(format string) {
		b.w("strftime('", format, "', ", col, ", ")
		writeSQLiteOffset(b, col, zone, from, to)
		b.w(")")
	}
	switch unit {
	case "DAY":
		strftime("%Y-%m-%d")
	case "WEEK":
		strftime("%G-W%V")
	case "MONTH":
		strftime("%Y-%m")
	case "QUARTER":
		strftime("%Y")
		b.w(" || '-Q' || ((CAST(")
		strftime("%m")
		b.w(" AS INTEGER) + 2) / 3)")
	case "YEAR":
		strftime("%Y")
	}
}

// writeSQLiteOffset writes the strftime modifier that turns the UTC text in
// col into local time in zone: one constant offset, or a CASE over the
// zone's transitions in the window, latest first (recent rows match early).
func writeSQLiteOffset(b *sqlBuf, col string, zone *time.Location, from, to *time.Time) {
	lo, hi := openStart, openEnd
	if from != nil {
		lo = *from
	}
	if to != nil {
		hi = *to
	}
	_, first := lo.In(zone).Zone()
	changes := offsetChanges(zone, lo, hi)
	if len(changes) == 0 {
		b.arg(modifier(first))
		return
	}
	b.w("CASE")
	for i := len(changes) - 1; i >= 0; i-- {
		b.w(" WHEN ", col, " >= ").arg(changes[i].at).w(" THEN ").arg(modifier(changes[i].offset))
	}
	b.w(" ELSE ").arg(modifier(first)).w(" END")
}

// offsetChange is the moment a zone starts using a new UTC offset.
type offsetChange struct {
	at     time.Time
	offset int // seconds east of UTC
}

// offsetChanges lists the zone's offset changes in (lo, hi), found by
// walking the zone's periods with ZoneBounds. The walk is capped so a
// pathological zone cannot make it run away.
func offsetChanges(zone *time.Location, lo, hi time.Time) []offsetChange {
	var out []offsetChange
	_, prev := lo.In(zone).Zone()
	t := lo
	for i := 0; i < 2000; i++ {
		_, end := t.In(zone).ZoneBounds()
		if end.IsZero() || !end.Before(hi) {
			break
		}
		if _, off := end.In(zone).Zone(); off != prev {
			out = append(out, offsetChange{at: end, offset: off})
			prev = off
		}
		t = end
	}
	return out
}

func modifier(offset int) string { return fmt.Sprintf("%+d seconds", offset) }
