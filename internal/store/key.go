package store

// Key returns a row's id; loaders use it to group rows fetched together.
func (r *Region) Key() int64          { return r.RowID }
func (c *Community) Key() int64       { return c.RowID }
func (o *Organization) Key() int64    { return o.RowID }
func (a *Alliance) Key() int64        { return a.RowID }
func (m *Membership) Key() int64      { return m.RowID }
func (p *Person) Key() int64          { return p.RowID }
func (p *Position) Key() int64        { return p.RowID }
func (g *GradeChange) Key() int64     { return g.RowID }
func (s *Studio) Key() int64          { return s.RowID }
func (m *Mentorship) Key() int64      { return m.RowID }
func (t *ResearchTopic) Key() int64   { return t.RowID }
func (c *Case) Key() int64            { return c.RowID }
func (c *ServiceCategory) Key() int64 { return c.RowID }
func (e *ServiceEvent) Key() int64    { return e.RowID }
func (r *ServiceRecord) Key() int64   { return r.RowID }
func (d *Demand) Key() int64          { return d.RowID }
