package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// A workload is one question asked of civicgraph and of PostGraphile, each
// in its own schema, and of PostgreSQL in plain SQL. Each answer is mapped
// to the same Go value (the common shape), whose JSON must be identical.
type workload struct {
	name  string
	title string
	// params finds the workload's parameters in the data: the GraphQL
	// variables (the same for both servers), the SQL literals for the
	// templates' placeholders, and a description for the report.
	params func(ctx context.Context, db *pgx.Conn) (vars map[string]any, lits map[string]string, desc []param, err error)
	// civicgraph and postgraphile map an answer to the common shape.
	civicgraph   func(raw []byte) (any, error)
	postgraphile func(raw []byte) (any, error)
	// baselines are the SQL templates, each with the function that runs its
	// chain and maps its rows to the common shape.
	baselines []baseline
}

type baseline struct {
	file string
	run  func(ctx context.Context, db *pgx.Conn, c *chain) (any, error)
}

type param struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

var allWorkloads = []*workload{nestedWorkload, windowWorkload, totalsWorkload}

func workloadNamed(name string) *workload {
	for _, w := range allWorkloads {
		if w.name == name {
			return w
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// (a) nested: 20 communities → alliances → members → organization.

type nestedCommunity struct {
	Code      string           `json:"code"`
	Name      string           `json:"name"`
	Alliances []nestedAlliance `json:"alliances"`
}

type nestedAlliance struct {
	Code    string         `json:"code"`
	Name    string         `json:"name"`
	Members []nestedMember `json:"members"`
}

type nestedMember struct {
	Code         string     `json:"code"`
	SignedOn     *string    `json:"signedOn"`
	Organization *nestedOrg `json:"organization"`
}

type nestedOrg struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

var nestedWorkload = &workload{
	name:  "nested",
	title: "(a) 20 communities → alliances → members → organization",
	params: func(context.Context, *pgx.Conn) (map[string]any, map[string]string, []param, error) {
		return nil, nil, []param{{"communities", "the first 20 live communities by code"}}, nil
	},
	civicgraph: func(raw []byte) (any, error) {
		var d struct {
			Communities struct {
				Nodes []struct {
					Code, Name string
					Alliances  struct {
						Nodes []struct {
							Code, Name string
							Members    struct{ Nodes []nestedMember }
						}
					}
				}
			}
		}
		if err := dataOf(raw, &d); err != nil {
			return nil, err
		}
		out := []nestedCommunity{}
		for _, c := range d.Communities.Nodes {
			nc := nestedCommunity{Code: c.Code, Name: c.Name, Alliances: []nestedAlliance{}}
			for _, a := range c.Alliances.Nodes {
				nc.Alliances = append(nc.Alliances, nestedAlliance{Code: a.Code, Name: a.Name, Members: nonNil(a.Members.Nodes)})
			}
			out = append(out, nc)
		}
		return out, nil
	},
	postgraphile: func(raw []byte) (any, error) {
		var d struct {
			AllCommunities struct {
				Nodes []struct {
					Code, Name                 string
					AlliancesByLeadCommunityID struct {
						Nodes []struct {
							Code, Name              string
							MembershipsByAllianceID struct {
								Nodes []struct {
									Code                         string
									SignedOn                     *string
									OrganizationByOrganizationID *nestedOrg
								}
							}
						}
					}
				}
			}
		}
		if err := dataOf(raw, &d); err != nil {
			return nil, err
		}
		out := []nestedCommunity{}
		for _, c := range d.AllCommunities.Nodes {
			nc := nestedCommunity{Code: c.Code, Name: c.Name, Alliances: []nestedAlliance{}}
			for _, a := range c.AlliancesByLeadCommunityID.Nodes {
				na := nestedAlliance{Code: a.Code, Name: a.Name, Members: []nestedMember{}}
				for _, m := range a.MembershipsByAllianceID.Nodes {
					na.Members = append(na.Members, nestedMember{Code: m.Code, SignedOn: m.SignedOn, Organization: m.OrganizationByOrganizationID})
				}
				nc.Alliances = append(nc.Alliances, na)
			}
			out = append(out, nc)
		}
		return out, nil
	},
	baselines: []baseline{{file: "nested.sql", run: nestedSQL}},
}

// nestedSQL runs civicgraph's four statements as its loaders do: the page
// of communities, the alliances of those, the memberships of those, the
// organizations they name.
func nestedSQL(ctx context.Context, db *pgx.Conn, c *chain) (any, error) {
	communities, err := c.next(ctx, db)
	if err != nil {
		return nil, err
	}
	communities = communities[:min(len(communities), 20)]
	var ids []int64
	for _, r := range communities {
		id, err := colInt(r, "id")
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	c.lits["community_ids"] = idList(ids)

	alliances, err := c.next(ctx, db)
	if err != nil {
		return nil, err
	}
	ids = ids[:0]
	for _, r := range alliances {
		id, err := colInt(r, "id")
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	c.lits["alliance_ids"] = idList(ids)

	members, err := c.next(ctx, db)
	if err != nil {
		return nil, err
	}
	ids = ids[:0]
	for _, r := range members {
		id, err := colInt(r, "organization_id")
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	c.lits["organization_ids"] = idList(ids)

	orgRows, err := c.next(ctx, db)
	if err != nil {
		return nil, err
	}
	orgs := map[int64]*nestedOrg{}
	for _, r := range orgRows {
		id, err := colInt(r, "id")
		if err != nil {
			return nil, err
		}
		code, err1 := colText(r, "code")
		name, err2 := colText(r, "name")
		if err := cmp.Or(err1, err2); err != nil {
			return nil, err
		}
		orgs[id] = &nestedOrg{Code: *code, Name: *name}
	}

	// Rows come ordered by parent, then by the page's order (__rn).
	membersOf := map[int64][]nestedMember{}
	for _, r := range members {
		parent, err1 := colInt(r, "__parent")
		orgID, err2 := colInt(r, "organization_id")
		code, err3 := colText(r, "code")
		signed, err4 := colDate(r, "signed_on")
		if err := cmp.Or(err1, err2, err3, err4); err != nil {
			return nil, err
		}
		membersOf[parent] = append(membersOf[parent], nestedMember{Code: *code, SignedOn: signed, Organization: orgs[orgID]})
	}
	alliancesOf := map[int64][]nestedAlliance{}
	for _, r := range alliances {
		id, err1 := colInt(r, "id")
		parent, err2 := colInt(r, "__parent")
		code, err3 := colText(r, "code")
		name, err4 := colText(r, "name")
		if err := cmp.Or(err1, err2, err3, err4); err != nil {
			return nil, err
		}
		alliancesOf[parent] = append(alliancesOf[parent], nestedAlliance{Code: *code, Name: *name, Members: nonNil(membersOf[id])})
	}
	out := []nestedCommunity{}
	for _, r := range communities {
		id, err1 := colInt(r, "id")
		code, err2 := colText(r, "code")
		name, err3 := colText(r, "name")
		if err := cmp.Or(err1, err2, err3); err != nil {
			return nil, err
		}
		out = append(out, nestedCommunity{Code: *code, Name: *name, Alliances: nonNil(alliancesOf[id])})
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// (c) window: one community's records in a 6-month window, first 50 by time.

type windowRecord struct {
	Code         string  `json:"code"`
	OccurredAt   string  `json:"occurredAt"` // RFC 3339 in UTC
	PeopleServed int64   `json:"peopleServed"`
	Resolved     bool    `json:"resolved"`
	Category     *string `json:"category"` // the category's code
}

// zone is civicgraph's default time zone, in which the window is cut.
var zone = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// No tzdata: Asia/Shanghai has had no DST since 1991.
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// utc rewrites an RFC 3339 time in UTC, so that "+08:00" and "+00:00"
// spellings of one instant compare equal.
func utc(s string) (string, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return "", err
	}
	return t.UTC().Format(time.RFC3339Nano), nil
}

var windowWorkload = &workload{
	name:  "window",
	title: "(c) one community's records in a 6-month window, first 50 by time",
	params: func(ctx context.Context, db *pgx.Conn) (map[string]any, map[string]string, []param, error) {
		// The window: the data's last 6 calendar months (Asia/Shanghai),
		// ending with the month of the latest live record.
		var last time.Time
		if err := db.QueryRow(ctx, `SELECT max(occurred_at) FROM service_records WHERE archived_at IS NULL`).Scan(&last); err != nil {
			return nil, nil, nil, fmt.Errorf("find the latest record: %w", err)
		}
		l := last.In(zone)
		to := time.Date(l.Year(), l.Month()+1, 1, 0, 0, 0, 0, zone)
		from := to.AddDate(0, -6, 0)
		// The community: the one with the most live records in the window
		// (ties: the smallest code), so the page of 50 is full.
		var community string
		var n int64
		err := db.QueryRow(ctx, `SELECT c.code, count(*) FROM service_records r JOIN communities c ON c.id = r.community_id
			WHERE r.archived_at IS NULL AND c.archived_at IS NULL AND r.occurred_at >= $1 AND r.occurred_at < $2
			GROUP BY c.code ORDER BY count(*) DESC, c.code LIMIT 1`, from, to).Scan(&community, &n)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("find the busiest community: %w", err)
		}
		fromS, toS := from.Format(time.RFC3339), to.Format(time.RFC3339)
		vars := map[string]any{"community": community, "from": fromS, "to": toS}
		lits := map[string]string{"community": sqlLiteral(community), "from": sqlLiteral(fromS), "to": sqlLiteral(toS)}
		desc := []param{
			{"window", fmt.Sprintf("[%s, %s): the data's last 6 calendar months, Asia/Shanghai", fromS, toS)},
			{"community", fmt.Sprintf("%s: the most live records in the window (%d; ties by code)", community, n)},
		}
		return vars, lits, desc, nil
	},
	civicgraph: func(raw []byte) (any, error) {
		var d struct {
			ServiceRecords struct {
				Nodes []struct {
					Code         string
					OccurredAt   string
					PeopleServed bigInt
					Resolved     bool
					Category     *struct{ Code string }
				}
			}
		}
		if err := dataOf(raw, &d); err != nil {
			return nil, err
		}
		out := []windowRecord{}
		for _, n := range d.ServiceRecords.Nodes {
			at, err := utc(n.OccurredAt)
			if err != nil {
				return nil, err
			}
			r := windowRecord{Code: n.Code, OccurredAt: at, PeopleServed: int64(n.PeopleServed), Resolved: n.Resolved}
			if n.Category != nil {
				r.Category = &n.Category.Code
			}
			out = append(out, r)
		}
		return out, nil
	},
	postgraphile: func(raw []byte) (any, error) {
		var d struct {
			AllServiceRecords struct {
				Nodes []struct {
					Code                        string
					OccurredAt                  string
					PeopleServed                bigInt
					Resolved                    bool
					ServiceCategoryByCategoryID *struct{ Code string }
				}
			}
		}
		if err := dataOf(raw, &d); err != nil {
			return nil, err
		}
		out := []windowRecord{}
		for _, n := range d.AllServiceRecords.Nodes {
			at, err := utc(n.OccurredAt)
			if err != nil {
				return nil, err
			}
			r := windowRecord{Code: n.Code, OccurredAt: at, PeopleServed: int64(n.PeopleServed), Resolved: n.Resolved}
			if n.ServiceCategoryByCategoryID != nil {
				r.Category = &n.ServiceCategoryByCategoryID.Code
			}
			out = append(out, r)
		}
		return out, nil
	},
	baselines: []baseline{{file: "window.sql", run: windowSQL}},
}

func windowSQL(ctx context.Context, db *pgx.Conn, c *chain) (any, error) {
	records, err := c.next(ctx, db)
	if err != nil {
		return nil, err
	}
	records = records[:min(len(records), 50)]
	var ids []int64
	for _, r := range records {
		if r["category_id"] == nil {
			continue
		}
		id, err := colInt(r, "category_id")
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	c.lits["category_ids"] = idList(ids)
	cats, err := c.next(ctx, db)
	if err != nil {
		return nil, err
	}
	codes, err := codesByID(cats)
	if err != nil {
		return nil, err
	}
	out := []windowRecord{}
	for _, r := range records {
		code, err1 := colText(r, "code")
		at, err2 := colTime(r, "occurred_at")
		served, err3 := colInt(r, "people_served")
		resolved, err4 := colBool(r, "resolved")
		if err := cmp.Or(err1, err2, err3, err4); err != nil {
			return nil, err
		}
		wr := windowRecord{Code: *code, OccurredAt: at.UTC().Format(time.RFC3339Nano), PeopleServed: served, Resolved: resolved}
		if r["category_id"] != nil {
			id, _ := colInt(r, "category_id")
			wr.Category = codes[id]
		}
		out = append(out, wr)
	}
	return out, nil
}

// codesByID maps the id column of rows to their code column.
func codesByID(rows []row) (map[int64]*string, error) {
	out := map[int64]*string{}
	for _, r := range rows {
		id, err1 := colInt(r, "id")
		code, err2 := colText(r, "code")
		if err := cmp.Or(err1, err2); err != nil {
			return nil, err
		}
		out[id] = code
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// (b) totals: records and people served per category, all records.

type totalsGroup struct {
	Category     *string `json:"category"` // the category's code; null for records without one
	Records      int64   `json:"records"`
	PeopleServed int64   `json:"peopleServed"`
}

// sortGroups orders groups by category code, null last (civicgraph's order;
// PostGraphile's groups come in the database's order).
func sortGroups(g []totalsGroup) []totalsGroup {
	slices.SortFunc(g, func(a, b totalsGroup) int {
		switch {
		case a.Category == nil && b.Category == nil:
			return 0
		case a.Category == nil:
			return 1
		case b.Category == nil:
			return -1
		}
		return cmp.Compare(*a.Category, *b.Category)
	})
	return g
}

var totalsWorkload = &workload{
	name:  "totals",
	title: "(b) records and people served per category, all records",
	params: func(context.Context, *pgx.Conn) (map[string]any, map[string]string, []param, error) {
		return nil, nil, []param{{"records", "all live service records"}}, nil
	},
	civicgraph: func(raw []byte) (any, error) {
		var d struct {
			ServiceStats []struct {
				Category     *struct{ Code string }
				Records      bigInt
				PeopleServed bigInt
			}
		}
		if err := dataOf(raw, &d); err != nil {
			return nil, err
		}
		out := []totalsGroup{}
		for _, s := range d.ServiceStats {
			g := totalsGroup{Records: int64(s.Records), PeopleServed: int64(s.PeopleServed)}
			if s.Category != nil {
				g.Category = &s.Category.Code
			}
			out = append(out, g)
		}
		return sortGroups(out), nil
	},
	postgraphile: func(raw []byte) (any, error) {
		var d struct {
			AllServiceRecords struct {
				GroupedAggregates []struct {
					Keys          []*string
					DistinctCount struct{ RowID bigInt }
					Sum           struct{ PeopleServed bigInt }
				}
			}
			AllServiceCategories struct {
				Nodes []struct {
					RowID bigInt
					Code  string
				}
			}
		}
		if err := dataOf(raw, &d); err != nil {
			return nil, err
		}
		codes := map[string]string{}
		for _, c := range d.AllServiceCategories.Nodes {
			codes[fmt.Sprint(int64(c.RowID))] = c.Code
		}
		out := []totalsGroup{}
		for _, g := range d.AllServiceRecords.GroupedAggregates {
			if len(g.Keys) != 1 {
				return nil, fmt.Errorf("a group with %d keys, want 1", len(g.Keys))
			}
			tg := totalsGroup{Records: int64(g.DistinctCount.RowID), PeopleServed: int64(g.Sum.PeopleServed)}
			if k := g.Keys[0]; k != nil {
				code, ok := codes[*k]
				if !ok {
					return nil, fmt.Errorf("group key %s is no category's id", *k)
				}
				tg.Category = &code
			}
			out = append(out, tg)
		}
		return sortGroups(out), nil
	},
	baselines: []baseline{
		{file: "totals.sql", run: totalsSQL},
		{file: "totals-groupby.sql", run: totalsGroupBySQL},
	},
}

// totalsSQL runs civicgraph's roll-up read and its category lookup.
func totalsSQL(ctx context.Context, db *pgx.Conn, c *chain) (any, error) {
	groups, err := c.next(ctx, db)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, r := range groups {
		if r["k0"] == nil {
			continue
		}
		id, err := colInt(r, "k0")
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	c.lits["category_ids"] = idList(ids)
	cats, err := c.next(ctx, db)
	if err != nil {
		return nil, err
	}
	codes, err := codesByID(cats)
	if err != nil {
		return nil, err
	}
	out := []totalsGroup{}
	for _, r := range groups {
		records, err1 := colInt(r, "m0")
		served, err2 := colInt(r, "m1")
		if err := cmp.Or(err1, err2); err != nil {
			return nil, err
		}
		g := totalsGroup{Records: records, PeopleServed: served}
		if r["k0"] != nil {
			id, _ := colInt(r, "k0")
			g.Category = codes[id]
		}
		out = append(out, g)
	}
	return sortGroups(out), nil
}

// totalsGroupBySQL runs the plain GROUP BY over service_records.
func totalsGroupBySQL(ctx context.Context, db *pgx.Conn, c *chain) (any, error) {
	rows, err := c.next(ctx, db)
	if err != nil {
		return nil, err
	}
	out := []totalsGroup{}
	for _, r := range rows {
		code, err1 := colText(r, "code")
		records, err2 := colInt(r, "records")
		served, err3 := colInt(r, "people_served")
		if err := cmp.Or(err1, err2, err3); err != nil {
			return nil, err
		}
		out = append(out, totalsGroup{Category: code, Records: records, PeopleServed: served})
	}
	return sortGroups(out), nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
