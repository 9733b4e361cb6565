package store

import (
	"fmt"
	"time"
	_ "time/tzdata" // Asia/Shanghai must resolve on machines without zoneinfo
)

// Date is a calendar date, YYYY-MM-DD, with no time zone: a signing date or a
// founding date means the same day everywhere.
type Date string

// ParseDate checks s is a real YYYY-MM-DD date.
func ParseDate(s string) (Date, error) {
	// Year 0000 parses but is no date PostgreSQL knows (its calendar goes
	// from 1 BC to 1 AD).
	if t, err := time.Parse(time.DateOnly, s); err != nil || len(s) != 10 || t.Year() < 1 {
		return "", fmt.Errorf("%q is not a date (want YYYY-MM-DD)", s)
	}
	return Date(s), nil
}

// ParseTime parses an RFC 3339 time with offset.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a time (want RFC 3339 with offset, e.g. 2022-06-01T10:00:00+08:00)", s)
	}
	return t, nil
}

// Shanghai is the platform's default time zone: times are shown in it and
// local periods are cut in it unless a region says otherwise.
var Shanghai = mustLoad("Asia/Shanghai")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// time/tzdata is linked into the binary (see cmd/civicgraph), so this
		// only happens in a test binary on a machine without zoneinfo.
		return time.FixedZone(name, 8*3600)
	}
	return loc
}
