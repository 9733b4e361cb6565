package rollup

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/civicgraph/civicgraph/internal/store"
)

// keysPerStatement is how many keys one refresh statement lists (six bound
// values each, well under both stores' limits).
const keysPerStatement = 500

// fewKeys is how many community months Refresh recounts one by one without
// first asking whether rebuilding everything would be cheaper.
const fewKeys = 1000

// Refresh recounts, inside the write's transaction q, the roll-up rows of
// the keys c noted, a few hundred keys a statement: each key's rows are
// deleted and counted again, from the base rows of the community in the
// month for the roll-ups kept by community, and from those for the
// roll-ups summed from them; everything under a region path for a path.
// A write calls it once, after its last change, so a key touched by many
// rows is recounted once. When the keys cover a large part of the data
// (the first import into a store, or a file spanning most communities and
// months), recounting key by key would read the base rows through an index
// one key at a time; then all roll-ups are rebuilt in one pass over the
// base tables instead. Recounts of concurrent transactions run one after
// the other (see lock.go).
func Refresh(ctx context.Context, q store.Querier, c *Changes) error {
	if c == nil || c.Empty() {
		return nil
	}
	if err := lock(ctx, q); err != nil {
		return err
	}
	paths := sorted(c.paths)
	communityMonths, pathMonths, pathsOfMonths := c.split()
	if len(communityMonths)+len(paths) > 0 {
		all, err := coversMuch(ctx, q, len(communityMonths), len(paths))
		if err != nil {
			return err
		}
		if all {
			return Rebuild(ctx, q)
		}
	}
	for chunk := range slices.Chunk(paths, keysPerStatement) {
		if err := refill(ctx, q, Tables, pathScope(chunk)); err != nil {
			return fmt.Errorf("refresh roll-ups: %w", err)
		}
	}
	for chunk := range slices.Chunk(communityMonths, keysPerStatement) {
		if err := refillMonths(ctx, q, "community_id", chunk, nil); err != nil {
			return err
		}
	}
	for chunk := range slices.Chunk(pathMonths, keysPerStatement) {
		if err := refillMonths(ctx, q, "region_path", chunk, pathsOfMonths(chunk)); err != nil {
			return err
		}
	}
	var demandPaths []string
	for p := range c.demands {
		if _, whole := c.paths[p]; !whole {
			demandPaths = append(demandPaths, p)
		}
	}
	slices.Sort(demandPaths)
	for chunk := range slices.Chunk(demandPaths, keysPerStatement) {
		if err := refill(ctx, q, []*Table{DemandStatus}, pathScope(chunk)); err != nil {
			return fmt.Errorf("refresh roll-ups: %w", err)
		}
	}
	return nil
}

func refillMonths(ctx context.Context, q store.Querier, by string, keys []monthly, paths []string) error {
	sc, err := monthScope(q.Dialect(), by, keys, paths)
	if err == nil {
		err = refill(ctx, q, Tables, sc)
	}
	if err != nil {
		return fmt.Errorf("refresh roll-ups: %w", err)
	}
	return nil
}

// split turns the noted records into community months and path months
// (sorted, each once), leaving out those under a path recounted whole, and
// returns what lists the paths of a run of path months.
func (c *Changes) split() (communityMonths, pathMonths []monthly, pathsOf func([]monthly) []string) {
	cms := map[monthly]struct{}{}
	pms := map[monthly]struct{}{}
	for k := range c.records {
		if _, whole := c.paths[k.path]; whole {
			continue
		}
		cms[monthly{k.community, k.month}] = struct{}{}
		pms[monthly{k.path, k.month}] = struct{}{}
	}
	order := func(set map[monthly]struct{}) []monthly {
		out := make([]monthly, 0, len(set))
		for k := range set {
			out = append(out, k)
		}
		slices.SortFunc(out, func(a, b monthly) int {
			var c int
			if x, ok := a.key.(int64); ok {
				c = cmp.Compare(x, b.key.(int64))
			} else {
				c = cmp.Compare(a.key.(string), b.key.(string))
			}
			return cmp.Or(c, cmp.Compare(a.month, b.month))
		})
		return out
	}
	communityMonths, pathMonths = order(cms), order(pms)
	pathsOf = func(keys []monthly) []string {
		var out []string
		for i, k := range keys {
			if i == 0 || k.key != keys[i-1].key { // sorted by path
				out = append(out, k.key.(string))
			}
		}
		return out
	}
	return communityMonths, pathMonths, pathsOf
}

// coversMuch says whether recounting should give way to a rebuild: when
// the roll-ups are empty, or when the touched community months (a whole
// path counting as its share of them) are a third or more of those the
// roll-ups hold. Few keys are recounted without asking.
func coversMuch(ctx context.Context, q store.Querier, months, paths int) (bool, error) {
	query := "SELECT COUNT(*), 0 FROM (SELECT 1 FROM " + RegionTotal.Name + " LIMIT 1) x"
	if months+paths*100 > fewKeys {
		query = "SELECT COUNT(*), COUNT(DISTINCT region_path) FROM (SELECT DISTINCT region_path, community_id, month FROM " +
			CommunityMonth.Name + ") x"
	}
	var keys, npaths int64
	rows, err := q.Query(ctx, query)
	if err != nil {
		return false, fmt.Errorf("count roll-up keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(&keys, &npaths); err != nil {
			return false, fmt.Errorf("count roll-up keys: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("count roll-up keys: %w", err)
	}
	switch {
	case keys == 0:
		return true, nil
	case npaths == 0: // few keys: recount them
		return false, nil
	}
	touched := int64(months) + int64(paths)*keys/npaths
	return 3*touched >= keys, nil
}

func sorted(set map[string]struct{}) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
