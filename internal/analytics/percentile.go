package analytics

import (
	"math"
	"slices"
)

// percentileCont is the p-th percentile (0..1) of values with PostgreSQL's
// percentile_cont semantics: sort, take the position p·(n−1) and linearly
// interpolate between the two values around it, lo + (hi−lo)·fraction, the
// same float arithmetic PostgreSQL does. nil for no values. It is computed
// in Go for both stores (SQLite has no percentile function), so they agree
// exactly. values is sorted in place.
func percentileCont(values []float64, p float64) *float64 {
	if len(values) == 0 {
		return nil
	}
	slices.Sort(values)
	pos := p * float64(len(values)-1)
	lo, hi := math.Floor(pos), math.Ceil(pos)
	v := values[int(lo)]
	if hi != lo {
		v += (values[int(hi)] - v) * (pos - lo)
	}
	return &v
}
