package store

import (
	"time"

	"github.com/uptrace/bun"
)

// Organization is any unit: a party committee or branch, a government agency,
// a public institution, an enterprise, a social organisation, a merchant.
// A branch points at its committee through Parent.
type Organization struct {
	bun.BaseModel `bun:"table:organizations"`

	RowID       int64  `bun:"id,pk,autoincrement"`
	Code        string `bun:"code"`
	Name        string `bun:"name"`
	Kind        string `bun:"kind"`
	RegionID    *int64 `bun:"region_id"`
	CommunityID *int64 `bun:"community_id"`
	ParentID    *int64 `bun:"parent_id"`
	RegionPath  string `bun:"region_path"`
	// ArchivedAt is when the row was archived; nil while it is live.
	ArchivedAt *time.Time `bun:"archived_at"`
}

// ID is the organization's global id.
func (o *Organization) ID() string { return GlobalID("Organization", o.RowID) }

// OrganizationKinds are the kinds of unit.
var OrganizationKinds = []string{"PARTY_COMMITTEE", "PARTY_BRANCH", "GOVERNMENT_AGENCY", "PUBLIC_INSTITUTION", "ENTERPRISE", "SOCIAL_ORGANIZATION", "MERCHANT", "OTHER"}

// Alliance is a party-building alliance (党建联盟) led by a community's party
// committee, joined by units through co-building agreements (Membership).
type Alliance struct {
	bun.BaseModel `bun:"table:alliances"`

	RowID           int64  `bun:"id,pk,autoincrement"`
	Code            string `bun:"code"`
	Name            string `bun:"name"`
	LeadCommunityID *int64 `bun:"lead_community_id"`
	FoundedOn       *Date  `bun:"founded_on"`
	RegionPath      string `bun:"region_path"`
	// ArchivedAt is when the row was archived; nil while it is live.
	ArchivedAt *time.Time `bun:"archived_at"`
}

// ID is the alliance's global id.
func (a *Alliance) ID() string { return GlobalID("Alliance", a.RowID) }

// Membership is one organization's co-building agreement (共驻共建协议) with an
// alliance: when it was signed, when it ended, and the service categories the
// unit committed to. Its code, when an import gives none, is
// "<alliance code>/<organization code>".
type Membership struct {
	bun.BaseModel `bun:"table:memberships"`

	RowID          int64  `bun:"id,pk,autoincrement"`
	Code           string `bun:"code"`
	AllianceID     int64  `bun:"alliance_id"`
	OrganizationID int64  `bun:"organization_id"`
	SignedOn       *Date  `bun:"signed_on"`
	LeftOn         *Date  `bun:"left_on"`
	RegionPath     string `bun:"region_path"`
	// ArchivedAt is when the row was archived; nil while it is live.
	ArchivedAt *time.Time `bun:"archived_at"`
}

// ID is the membership's global id.
func (m *Membership) ID() string { return GlobalID("Membership", m.RowID) }
