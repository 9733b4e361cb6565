package analytics

import (
	"time"

	"github.com/civicgraph/civicgraph/internal/apperr"
)

// Window is the time range a stats query covers: an absolute half-open range
// [From, To) (either end may be open) or a relative period counted from the
// clock. The two forms are exclusive.
type Window struct {
	From, To *time.Time
	// Relative is "", THIS_MONTH, LAST_MONTH, LAST_3_MONTHS, LAST_12_MONTHS,
	// THIS_YEAR or LAST_YEAR.
	Relative string
}

// relativeMonths gives, for each relative period, where its first month lies
// relative to the current month and how many months it spans. Years are
// whole calendar years, so they are spelled in months from January.
func relativeMonths(rel string, month time.Month) (startOffset, months int, ok bool) {
	switch rel {
	case "THIS_MONTH":
		return 0, 1, true
	case "LAST_MONTH":
		return -1, 1, true
	case "LAST_3_MONTHS":
		return -2, 3, true
	case "LAST_12_MONTHS":
		return -11, 12, true
	case "THIS_YEAR":
		return -int(month - 1), 12, true
	case "LAST_YEAR":
		return -int(month-1) - 12, 12, true
	}
	return 0, 0, false
}

// check rejects windows that cannot be answered, before any SQL runs.
func (w Window) check() error {
	if w.Relative != "" {
		if w.From != nil || w.To != nil {
			return apperr.Invalid("relative and from/to are exclusive: give one or the other")
		}
		if _, _, ok := relativeMonths(w.Relative, time.January); !ok {
			return apperr.Invalid("relative: unknown period %q", w.Relative)
		}
		return nil
	}
	if w.From != nil && w.To != nil && w.From.After(*w.To) {
		return apperr.Invalid("from (%s) is after to (%s)", w.From.Format(time.RFC3339), w.To.Format(time.RFC3339))
	}
	return nil
}

// resolve turns the window into instants: relative periods are whole
// calendar months counted from now's month in zone (LAST_3_MONTHS is the
// current month and the two before it; LAST_YEAR the previous calendar
// year). Bounds are truncated to microseconds, the precision both stores
// keep, so that a bound compares the same way on both.
func (w Window) resolve(now time.Time, zone *time.Location) (from, to *time.Time) {
	if w.Relative == "" {
		return micro(w.From), micro(w.To)
	}
	local := now.In(zone)
	offset, months, _ := relativeMonths(w.Relative, local.Month())
	start := time.Date(local.Year(), local.Month()+time.Month(offset), 1, 0, 0, 0, 0, zone)
	end := time.Date(start.Year(), start.Month()+time.Month(months), 1, 0, 0, 0, 0, zone)
	return &start, &end
}

func micro(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.Truncate(time.Microsecond)
	return &u
}
