package analytics

import (
	"cmp"
	"fmt"
	"slices"
)

// sortGroups orders groups by their keys in the order of the dimensions:
// entities and regions by code, periods by start (labels of one unit sort in
// time order), enum values by name, years ascending; a NULL key sorts after
// every value. Sorting here rather than in SQL keeps the order byte-for-byte
// the same on both stores and for every reader, whatever the collations.
func sortGroups(rows []groupRow, dims []dimension) {
	// Sorting positions and permuting once moves ints, not rows.
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int {
		a, b := &rows[x], &rows[y]
		for i, d := range dims {
			if c := compareKey(d, a, b, i); c != 0 {
				return c
			}
		}
		return 0
	})
	sorted := make([]groupRow, len(rows))
	for i, j := range order {
		sorted[i] = rows[j]
	}
	copy(rows, sorted)
}

func compareKey(d dimension, a, b *groupRow, i int) int {
	ka, kb := a.keys[i], b.keys[i]
	switch {
	case ka == nil && kb == nil:
		return 0
	case ka == nil:
		return 1
	case kb == nil:
		return -1
	}
	switch d.kind {
	case entityKey, regionKey:
		if c := cmp.Compare(a.codes[i], b.codes[i]); c != 0 {
			return c
		}
		return cmp.Compare(asInt(ka), asInt(kb))
	case yearKey:
		return cmp.Compare(asInt(ka), asInt(kb))
	default: // period labels and enum names
		if sa, ok := ka.(string); ok {
			if sb, ok := kb.(string); ok {
				return cmp.Compare(sa, sb) // no fmt: a big result sorts thousands of keys
			}
		}
		return cmp.Compare(fmt.Sprint(ka), fmt.Sprint(kb))
	}
}

// asInt reads an integer key (scanGroup made it an int64).
func asInt(k any) int64 {
	n, _ := k.(int64)
	return n
}
