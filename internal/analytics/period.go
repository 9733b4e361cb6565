package analytics

import (
	"fmt"
	"time"
)

// Period is a local calendar period: [Start, End) as instants in the zone
// the query was cut in, and its label: 2022-06-01 (DAY), 2022-W22 (WEEK: ISO
// week-year and week, Monday first), 2022-06 (MONTH), 2022-Q2 (QUARTER) or
// 2022 (YEAR). Labels of one unit sort in time order.
type Period struct {
	Start, End time.Time
	Label      string
}

// validUnit says whether u is a period unit of Grouping.Period.
func validUnit(u string) bool {
	switch u {
	case "DAY", "WEEK", "MONTH", "QUARTER", "YEAR":
		return true
	}
	return false
}

// periodOf rebuilds a period from the label the store computed, in zone:
// the stores only say which period a row falls in, the bounds are calendar
// arithmetic done once here (time.Date also finds the right instant of a
// local midnight in zones with daylight saving time).
func periodOf(unit, label string, zone *time.Location) (*Period, error) {
	var y, n int
	var start, end time.Time
	switch unit {
	case "DAY":
		d, err := time.ParseInLocation(time.DateOnly, label, zone)
		if err != nil {
			return nil, fmt.Errorf("period label %q: %w", label, err)
		}
		start = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, zone)
		end = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, zone)
	case "WEEK":
		if _, err := fmt.Sscanf(label, "%4d-W%2d", &y, &n); err != nil {
			return nil, fmt.Errorf("period label %q: %w", label, err)
		}
		// ISO week 1 is the week with the year's first Thursday, so the
		// one holding January 4th; weeks start on Monday.
		jan4 := time.Date(y, time.January, 4, 0, 0, 0, 0, zone)
		monday := 4 - (int(jan4.Weekday())+6)%7 + (n-1)*7
		start = time.Date(y, time.January, monday, 0, 0, 0, 0, zone)
		end = time.Date(y, time.January, monday+7, 0, 0, 0, 0, zone)
	case "MONTH":
		if _, err := fmt.Sscanf(label, "%4d-%2d", &y, &n); err != nil {
			return nil, fmt.Errorf("period label %q: %w", label, err)
		}
		start = time.Date(y, time.Month(n), 1, 0, 0, 0, 0, zone)
		end = time.Date(y, time.Month(n+1), 1, 0, 0, 0, 0, zone)
	case "QUARTER":
		if _, err := fmt.Sscanf(label, "%4d-Q%1d", &y, &n); err != nil {
			return nil, fmt.Errorf("period label %q: %w", label, err)
		}
		start = time.Date(y, time.Month(3*n-2), 1, 0, 0, 0, 0, zone)
		end = time.Date(y, time.Month(3*n+1), 1, 0, 0, 0, 0, zone)
	case "YEAR":
		if _, err := fmt.Sscanf(label, "%4d", &y); err != nil {
			return nil, fmt.Errorf("period label %q: %w", label, err)
		}
		start = time.Date(y, time.January, 1, 0, 0, 0, 0, zone)
		end = time.Date(y+1, time.January, 1, 0, 0, 0, 0, zone)
	default:
		return nil, fmt.Errorf("unknown period unit %q", unit)
	}
	return &Period{Start: start, End: end, Label: label}, nil
}
