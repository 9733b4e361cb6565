package graph

import (
	"context"
	"strconv"

	"github.com/civicgraph/civicgraph/graph/model"
	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/feed"
	"github.com/civicgraph/civicgraph/internal/query"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/write"
)

// The partner data flows' resolvers: keyed batches, the demand workflow,
// the change feed and the audit trail.

// recordServices writes a keyed batch and reads the records back.
func recordServices(ctx context.Context, r *Resolver, input []map[string]any, key string) (*model.RecordServicesPayload, error) {
	b, err := r.writes().RecordServices(request(ctx), input, key)
	if err != nil {
		return nil, inputErrors(ctx, err)
	}
	found, err := query.ByIDs[store.ServiceRecord](ctx, r.DB, store.Catalog["ServiceRecord"], b.IDs)
	if err != nil {
		return nil, err
	}
	out := &model.RecordServicesPayload{Records: []*store.ServiceRecord{}, Replayed: b.Replayed, IdempotencyKey: key}
	// count is what the (first) call wrote, so that a replay answers as the
	// first call did; records are those rows as the caller may see them now
	// (one archived since is left out).
	seen := map[int64]bool{}
	for _, id := range b.IDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		out.Count++
		if rec := found[id]; rec != nil {
			out.Records = append(out.Records, rec)
		}
	}
	register[store.ServiceRecord](ctx, out.Records)
	return out, nil
}

// transition moves a demand along its workflow.
func transition(ctx context.Context, r *Resolver, code, to string, organization, note *string) (*store.Demand, error) {
	tr := write.Transition{Code: code, To: to}
	if organization != nil {
		tr.Organization = *organization
	}
	if note != nil {
		tr.Note = *note
	}
	id, err := r.writes().TransitionDemand(request(ctx), tr)
	return written[store.Demand](ctx, r, id, err)
}

// changeFeed reads a page of the change feed. after is a cursor, which is
// a sequence in decimal: a client may resume from any sequence it kept.
func changeFeed(ctx context.Context, r *Resolver, after *string, types []model.EntityType, first *int, withinRegion *string) (*model.ChangeConnection, error) {
	f := feed.Filter{Types: typeNamesOf(types), Limit: feed.MaxPage} // as every connection: the maximum page when first is not given
	if after != nil && *after != "" {
		n, err := strconv.ParseInt(*after, 10, 64)
		if err != nil || n < 0 {
			return nil, apperr.Invalid("after must be a cursor or a sequence (a whole number), not %q", *after)
		}
		f.After = n
	}
	if first != nil {
		if *first < 0 || *first > feed.MaxPage {
			return nil, apperr.Invalid("first must be between 0 and %d", feed.MaxPage)
		}
		f.Limit = *first
	}
	if withinRegion != nil {
		path, err := regionPath(ctx, r, *withinRegion)
		if err != nil {
			return nil, err
		}
		f.WithinPath = path
	}
	conn := &model.ChangeConnection{Edges: []*model.ChangeEdge{}, Nodes: []*store.Change{}, PageInfo: &model.PageInfo{}}
	if first != nil && *first == 0 {
		return conn, nil
	}
	page, more, err := feed.Read(ctx, r.DB, auth.From(ctx), f)
	if err != nil {
		return nil, err
	}
	for _, c := range page {
		cursor := strconv.FormatInt(c.Sequence, 10)
		conn.Edges = append(conn.Edges, &model.ChangeEdge{Cursor: cursor, Node: c})
		conn.Nodes = append(conn.Nodes, c)
	}
	conn.PageInfo.HasNextPage = more
	conn.PageInfo.HasPreviousPage = f.After > 0
	if n := len(page); n > 0 {
		start, end := conn.Edges[0].Cursor, conn.Edges[n-1].Cursor
		conn.PageInfo.StartCursor, conn.PageInfo.EndCursor = &start, &end
	} else if after != nil {
		conn.PageInfo.EndCursor = after // nothing new: resume from the same place
	}
	return conn, nil
}

// regionPath is the region path of a Region global id the principal may
// see: an unknown or hidden region is NOT_FOUND.
func regionPath(ctx context.Context, r *Resolver, id string) (string, error) {
	typ, rowID, ok := store.ParseGlobalID(id)
	if !ok || typ != "Region" {
		return "", apperr.Invalid("withinRegion must be a Region id, not %q", id)
	}
	found, err := query.ByIDs[store.Region](ctx, r.DB, store.Catalog["Region"], []int64{rowID})
	if err != nil {
		return "", err
	}
	reg := found[rowID]
	if reg == nil {
		return "", apperr.New(apperr.NotFound, "no region has id %q", id)
	}
	return reg.Path, nil
}

// changeEntity is the row a change names as it is now; null for a
// tombstone (and for a row archived or hidden since).
func changeEntity(ctx context.Context, c *store.Change) (store.Node, error) {
	if c.Operation == store.ChangeArchive {
		return nil, nil
	}
	return nodeByID(ctx, store.GlobalID(c.Type, c.EntityID))
}

// auditLog reads the audit trail: ADMIN only.
func auditLog(ctx context.Context, r *Resolver, a query.Args) (*model.AuditEntryConnection, error) {
	if !auth.From(ctx).Unrestricted() {
		return nil, apperr.New(apperr.Forbidden, "the audit log is for ADMIN only")
	}
	return root[model.AuditEntryConnection](ctx, r.DB, a)
}

// optional is nil for "", else a pointer to s.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
