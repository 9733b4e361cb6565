package graph

import (
	"context"
	"strconv"
	"strings"

	"github.com/civicgraph/civicgraph/graph/model"
	"github.com/civicgraph/civicgraph/internal/loader"
	"github.com/civicgraph/civicgraph/internal/store"
)

// nodeLoaders loads entities of one type by row ids.
var nodeLoaders = map[string]func(context.Context, []int64) (map[int64]store.Node, error){
	"Region":          loadNodes[store.Region],
	"Community":       loadNodes[store.Community],
	"Organization":    loadNodes[store.Organization],
	"Alliance":        loadNodes[store.Alliance],
	"Membership":      loadNodes[store.Membership],
	"Person":          loadNodes[store.Person],
	"Position":        loadNodes[store.Position],
	"GradeChange":     loadNodes[store.GradeChange],
	"Studio":          loadNodes[store.Studio],
	"Mentorship":      loadNodes[store.Mentorship],
	"ResearchTopic":   loadNodes[store.ResearchTopic],
	"Case":            loadNodes[store.Case],
	"ServiceCategory": loadNodes[store.ServiceCategory],
	"ServiceEvent":    loadNodes[store.ServiceEvent],
	"ServiceRecord":   loadNodes[store.ServiceRecord],
	"Demand":          loadNodes[store.Demand],
}

// loadNodes loads rows of one type as Nodes.
func loadNodes[T any, PT interface {
	row[T]
	store.Node
}](ctx context.Context, ids []int64) (map[int64]store.Node, error) {
	found, err := loader.ByIDs[T, PT](ctx, entityOf[T](), ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]store.Node, len(found))
	for id, r := range found {
		out[id] = PT(r)
	}
	return out, nil
}

// nodeByID resolves a global id; an id that names nothing is null, as Relay
// asks, not an error.
func nodeByID(ctx context.Context, id string) (store.Node, error) {
	nodes, err := nodesByID(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	return nodes[0], nil
}

// nodesByID resolves many global ids with one statement per type.
func nodesByID(ctx context.Context, ids []string) ([]store.Node, error) {
	type ref struct {
		typ string
		id  int64
	}
	refs := make([]ref, len(ids))
	byType := map[string][]int64{}
	for i, id := range ids {
		typ, rowID, ok := store.ParseGlobalID(id)
		if _, known := nodeLoaders[typ]; ok && known {
			refs[i] = ref{typ, rowID}
			byType[typ] = append(byType[typ], rowID)
		}
	}
	loaded := map[string]map[int64]store.Node{}
	for typ, rowIDs := range byType {
		found, err := nodeLoaders[typ](ctx, rowIDs)
		if err != nil {
			return nil, err
		}
		loaded[typ] = found
	}
	out := make([]store.Node, len(ids))
	for i, r := range refs {
		if n, ok := loaded[r.typ][r.id]; ok {
			out[i] = n
		}
	}
	return out, nil
}

// ancestors lists a region's ancestors from the root down, read off its
// materialized path, in one statement.
func ancestors(ctx context.Context, r *store.Region) ([]*store.Region, error) {
	var ids []int64
	for _, part := range strings.Split(strings.Trim(r.Path, "/"), "/") {
		if id, err := strconv.ParseInt(part, 10, 64); err == nil && id != r.RowID {
			ids = append(ids, id)
		}
	}
	found, err := loader.ByIDs[store.Region](ctx, "Region", ids)
	if err != nil {
		return nil, err
	}
	out := []*store.Region{}
	for _, id := range ids {
		if a, ok := found[id]; ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// organizer is the organization or, failing that, the alliance that
// organized an event.
func organizer(ctx context.Context, e *store.ServiceEvent) (store.Node, error) {
	if e.OrganizerOrganizationID != nil {
		o, err := ref[store.Organization](ctx, "ServiceEvent.organizerOrganization", e, func(o *store.ServiceEvent) *int64 { return o.OrganizerOrganizationID })
		if o == nil || err != nil {
			return nil, err
		}
		return o, nil
	}
	a, err := ref[store.Alliance](ctx, "ServiceEvent.organizerAlliance", e, func(o *store.ServiceEvent) *int64 { return o.OrganizerAllianceID })
	if a == nil || err != nil {
		return nil, err
	}
	return a, nil
}

// mentorLineage lists whom p trained, whom those trained, ... to depth.
func mentorLineage(ctx context.Context, p *store.Person, depth *int) ([]*model.MentorLink, error) {
	d := 0
	if depth != nil {
		if *depth < 1 {
			return []*model.MentorLink{}, nil
		}
		d = *depth
	}
	links, err := loader.Lineage(ctx, p, d)
	if err != nil {
		return nil, err
	}
	out := make([]*model.MentorLink, len(links))
	for i := range links {
		out[i] = &links[i]
	}
	return out, nil
}
