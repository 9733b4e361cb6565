package store

import (
	"time"

	"github.com/uptrace/bun"
)

// ServiceCategory is a kind of service (haircut, health check, legal aid,
// ...). Categories are data, not code, and form a small tree.
type ServiceCategory struct {
	bun.BaseModel `bun:"table:service_categories"`

	RowID    int64  `bun:"id,pk,autoincrement"`
	Code     string `bun:"code"`
	Name     string `bun:"name"`
	ParentID *int64 `bun:"parent_id"`
	// ArchivedAt is when the row was archived; nil while it is live.
	ArchivedAt *time.Time `bun:"archived_at"`
}

// ID is the category's global id.
func (c *ServiceCategory) ID() string { return GlobalID("ServiceCategory", c.RowID) }

// ServiceEvent is one session of service work in a community: a service
// market (服务集市), a home-visit round, a lecture, a training, a camp, a
// coordination meeting (情况调度会). It is organized by an organization or by
// an alliance.
type ServiceEvent struct {
	bun.BaseModel `bun:"table:service_events"`

	RowID                   int64      `bun:"id,pk,autoincrement"`
	Code                    string     `bun:"code"`
	Kind                    string     `bun:"kind"`
	Title                   string     `bun:"title"`
	CommunityID             *int64     `bun:"community_id"`
	OrganizerOrganizationID *int64     `bun:"organizer_organization_id"`
	OrganizerAllianceID     *int64     `bun:"organizer_alliance_id"`
	StartsAt                *time.Time `bun:"starts_at"`
	EndsAt                  *time.Time `bun:"ends_at"`
	RegionPath              string     `bun:"region_path"`
	// ArchivedAt is when the row was archived; nil while it is live.
	ArchivedAt *time.Time `bun:"archived_at"`
}

// ID is the event's global id.
func (e *ServiceEvent) ID() string { return GlobalID("ServiceEvent", e.RowID) }

// ServiceEventKinds are the kinds of event.
var ServiceEventKinds = []string{"MARKET", "HOME_VISIT", "LECTURE", "TRAINING", "CAMP", "MEETING", "OTHER"}

// ServiceRecord is one service delivered: where, when, which category, who
// provided it, how many people were served (人次) and whether the problem was
// solved. The recipient is personal data.
type ServiceRecord struct {
	bun.BaseModel `bun:"table:service_records"`

	RowID            int64     `bun:"id,pk,autoincrement"`
	Code             string    `bun:"code"`
	CommunityID      int64     `bun:"community_id"`
	CategoryID       *int64    `bun:"category_id"`
	OccurredAt       time.Time `bun:"occurred_at"`
	PeopleServed     int       `bun:"people_served"`
	Resolved         bool      `bun:"resolved"`
	ProviderID       *int64    `bun:"provider_id"`
	ProviderPersonID *int64    `bun:"provider_person_id"`
	RecipientID      *int64    `bun:"recipient_id"`
	EventID          *int64    `bun:"event_id"`
	AllianceID       *int64    `bun:"alliance_id"`
	DemandID         *int64    `bun:"demand_id"`
	RegionPath       string    `bun:"region_path"`
	// ArchivedAt is when the row was archived; nil while it is live.
	ArchivedAt *time.Time `bun:"archived_at"`
}

// ID is the record's global id.
func (r *ServiceRecord) ID() string { return GlobalID("ServiceRecord", r.RowID) }

// Demand is a need collected from residents (需求), possibly assigned to a
// member unit of an alliance, with the times it was responded to and solved.
type Demand struct {
	bun.BaseModel `bun:"table:demands"`

	RowID        int64      `bun:"id,pk,autoincrement"`
	Code         string     `bun:"code"`
	CommunityID  int64      `bun:"community_id"`
	AllianceID   *int64     `bun:"alliance_id"`
	CategoryID   *int64     `bun:"category_id"`
	Title        string     `bun:"title"`
	RaisedAt     time.Time  `bun:"raised_at"`
	Status       string     `bun:"status"`
	AssignedToID *int64     `bun:"assigned_to_id"`
	RespondedAt  *time.Time `bun:"responded_at"`
	ResolvedAt   *time.Time `bun:"resolved_at"`
	RegionPath   string     `bun:"region_path"`
	// ArchivedAt is when the row was archived; nil while it is live.
	ArchivedAt *time.Time `bun:"archived_at"`
}

// ID is the demand's global id.
func (d *Demand) ID() string { return GlobalID("Demand", d.RowID) }

// DemandStatuses are the states of a demand's workflow.
var DemandStatuses = []string{"OPEN", "ASSIGNED", "IN_PROGRESS", "RESOLVED", "CLOSED", "REOPENED"}
