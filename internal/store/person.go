package store

import (
	"time"

	"github.com/uptrace/bun"
)

// Person is anyone the data names: residents, party members, community and
// grid workers, volunteers, secretaries, mentors, experts. Name, phone and
// birth year are personal data (PIPL): masked for principals without
// pii:read. Roles is the person's role set, kept sorted.
type Person struct {
	bun.BaseModel `bun:"table:people"`

	RowID          int64    `bun:"id,pk,autoincrement"`
	Code           string   `bun:"code"`
	Name           string   `bun:"name"`
	Gender         *string  `bun:"gender"`
	BirthYear      *int     `bun:"birth_year"`
	Phone          *string  `bun:"phone"`
	CommunityID    *int64   `bun:"community_id"`
	OrganizationID *int64   `bun:"organization_id"`
	PartyMember    bool     `bun:"party_member"`
	Roles          []string `bun:"roles"`
	RegionPath     string   `bun:"region_path"`
	// ArchivedAt is when the row was archived; nil while it is live.
	ArchivedAt *time.Time `bun:"archived_at"`
}

// ID is the person's global id.
func (p *Person) ID() string { return GlobalID("Person", p.RowID) }

// Roles a person can hold.
var Roles = []string{"RESIDENT", "PARTY_MEMBER", "COMMUNITY_WORKER", "GRID_WORKER", "VOLUNTEER", "SECRETARY", "DEPUTY_SECRETARY", "MENTOR", "EXPERT", "TRAINEE", "DOCTOR", "OTHER"}

// Genders a person can have.
var Genders = []string{"F", "M"}

// Position is a person's post in an organization over time: from (inclusive)
// to (exclusive, open when null).
type Position struct {
	bun.BaseModel `bun:"table:positions"`

	RowID          int64  `bun:"id,pk,autoincrement"`
	Code           string `bun:"code"`
	PersonID       int64  `bun:"person_id"`
	OrganizationID *int64 `bun:"organization_id"`
	Title          string `bun:"title"`
	From           *Date  `bun:"from_on"`
	To             *Date  `bun:"to_on"`
	// ArchivedAt is when the row was archived; nil while it is live.
	ArchivedAt *time.Time `bun:"archived_at"`
}

// ID is the position's global id.
func (p *Position) ID() string { return GlobalID("Position", p.RowID) }

// GradeChange is a professional worker's grade (分级分档: tier and step)
// from a date on; a person's changes in date order are their grade history.
type GradeChange struct {
	bun.BaseModel `bun:"table:grade_changes"`

	RowID       int64  `bun:"id,pk,autoincrement"`
	Code        string `bun:"code"`
	PersonID    int64  `bun:"person_id"`
	Tier        int    `bun:"tier"`
	Step        int    `bun:"step"`
	EffectiveOn Date   `bun:"effective_on"`
	// ArchivedAt is when the row was archived; nil while it is live.
	ArchivedAt *time.Time `bun:"archived_at"`
}

// ID is the grade change's global id.
func (g *GradeChange) ID() string { return GlobalID("GradeChange", g.RowID) }
