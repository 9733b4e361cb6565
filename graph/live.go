package graph

import (
	"context"

	"github.com/civicgraph/civicgraph/graph/model"
	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/feed"
	"github.com/civicgraph/civicgraph/internal/live"
	"github.com/civicgraph/civicgraph/internal/query"
	"github.com/civicgraph/civicgraph/internal/store"
)

// Subscriptions are the change feed, pushed (package live): each one
// follows the feed from the moment it starts, under its own principal, so
// it receives exactly what the `changes` query would page through for the
// same caller. withinRegion is resolved once, when the subscription starts,
// like the `changes` query's: not a Region id is BAD_USER_INPUT, a region
// the caller may not see (or that does not exist) is NOT_FOUND, and the
// subscription is refused.

func serviceRecorded(ctx context.Context, r *Resolver, withinRegion *string) (<-chan *store.ServiceRecord, error) {
	return follow(ctx, r, []string{"ServiceRecord"}, withinRegion, upserted[store.ServiceRecord](r, "ServiceRecord"))
}

func demandChanged(ctx context.Context, r *Resolver, withinRegion *string) (<-chan *store.Demand, error) {
	return follow(ctx, r, []string{"Demand"}, withinRegion, upserted[store.Demand](r, "Demand"))
}

func changed(ctx context.Context, r *Resolver, types []model.EntityType, withinRegion *string) (<-chan *store.Change, error) {
	return follow(ctx, r, typeNamesOf(types), withinRegion, func(_ context.Context, page []*store.Change) ([]*store.Change, error) {
		return page, nil
	})
}

// follow starts following the feed for the subscription in ctx.
func follow[T any](ctx context.Context, r *Resolver, types []string, withinRegion *string, load live.Load[T]) (<-chan T, error) {
	if r.Live == nil {
		return nil, apperr.New(apperr.Internal, "live updates are not available on this server")
	}
	f := feed.Filter{Types: types}
	if withinRegion != nil {
		path, err := regionPath(ctx, r, *withinRegion)
		if err != nil {
			return nil, err
		}
		f.WithinPath = path
	}
	return live.Follow(ctx, r.Live, auth.From(ctx), f, load)
}

// upserted loads the rows that a page's UPSERT changes name, as the caller
// may read them now, in the order of their first change in the page (a row
// written twice in one page is sent once: both changes would show the
// same row). A row archived or out of the caller's sight by now is left
// out; its ARCHIVE change follows in the feed.
func upserted[T any](r *Resolver, typ string) live.Load[*T] {
	return func(ctx context.Context, page []*store.Change) ([]*T, error) {
		ids := make([]int64, 0, len(page))
		for _, c := range page {
			if c.Operation == store.ChangeUpsert {
				ids = append(ids, c.EntityID)
			}
		}
		if len(ids) == 0 {
			return nil, nil
		}
		found, err := query.ByIDs[T](ctx, r.DB, store.Catalog[typ], ids)
		if err != nil {
			return nil, err
		}
		out := make([]*T, 0, len(found))
		for _, id := range ids {
			if row, ok := found[id]; ok {
				out = append(out, row)
				delete(found, id)
			}
		}
		return out, nil
	}
}
