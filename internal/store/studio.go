package store

import (
	"time"

	"github.com/uptrace/bun"
)

// Studio is a training studio (优秀社区党委书记培养工作室) of a street: a lead
// mentor, a theory expert from the faculty pool, and cohorts of trainees.
type Studio struct {
	bun.BaseModel `bun:"table:studios"`

	RowID          int64  `bun:"id,pk,autoincrement"`
	Code           string `bun:"code"`
	Name           string `bun:"name"`
	RegionID       *int64 `bun:"region_id"`
	LeadMentorID   *int64 `bun:"lead_mentor_id"`
	TheoryExpertID *int64 `bun:"theory_expert_id"`
	FoundedOn      *Date  `bun:"founded_on"`
	RegionPath     string `bun:"region_path"`
	// ArchivedAt is when the row was archived; nil while it is live.
	ArchivedAt *time.Time `bun:"archived_at"`
}

// ID is the studio's global id.
func (s *Studio) ID() string { return GlobalID("Studio", s.RowID) }

// Mentorship is one trainee in one studio cohort, with the mentor who trained
// them and the outcome (reserve cadre, elected secretary, ...) and its year.
// Trainees become mentors, so mentorships form a lineage graph. Its code, when
// an import gives none, is "<studio>/<trainee>/<cohort year>".
type Mentorship struct {
	bun.BaseModel `bun:"table:mentorships"`

	RowID       int64   `bun:"id,pk,autoincrement"`
	Code        string  `bun:"code"`
	StudioID    int64   `bun:"studio_id"`
	MentorID    *int64  `bun:"mentor_id"`
	TraineeID   int64   `bun:"trainee_id"`
	CohortYear  *int    `bun:"cohort_year"`
	StartedOn   *Date   `bun:"started_on"`
	EndedOn     *Date   `bun:"ended_on"`
	Outcome     *string `bun:"outcome"`
	OutcomeYear *int    `bun:"outcome_year"`
	RegionPath  string  `bun:"region_path"`
	// ArchivedAt is when the row was archived; nil while it is live.
	ArchivedAt *time.Time `bun:"archived_at"`
}

// ID is the mentorship's global id.
func (m *Mentorship) ID() string { return GlobalID("Mentorship", m.RowID) }

// MentorshipOutcomes are the outcomes a mentorship can have.
var MentorshipOutcomes = []string{"IN_TRAINING", "RESERVE_CADRE", "ELECTED_SECRETARY", "ELECTED_DEPUTY_SECRETARY", "PROMOTED", "LEFT"}

// ResearchTopic is a studio's micro-reform research topic (微改革课题): a lead
// person, member people, a title and a year.
type ResearchTopic struct {
	bun.BaseModel `bun:"table:research_topics"`

	RowID    int64  `bun:"id,pk,autoincrement"`
	Code     string `bun:"code"`
	StudioID int64  `bun:"studio_id"`
	LeadID   *int64 `bun:"lead_id"`
	Title    string `bun:"title"`
	Year     *int   `bun:"year"`
	// ArchivedAt is when the row was archived; nil while it is live.
	ArchivedAt *time.Time `bun:"archived_at"`
}

// ID is the topic's global id.
func (t *ResearchTopic) ID() string { return GlobalID("ResearchTopic", t.RowID) }

// Case is a typical case (典型案例) a studio wrote up.
type Case struct {
	bun.BaseModel `bun:"table:cases"`

	RowID    int64  `bun:"id,pk,autoincrement"`
	Code     string `bun:"code"`
	StudioID int64  `bun:"studio_id"`
	LeadID   *int64 `bun:"lead_id"`
	Title    string `bun:"title"`
	Year     *int   `bun:"year"`
	// ArchivedAt is when the row was archived; nil while it is live.
	ArchivedAt *time.Time `bun:"archived_at"`
}

// ID is the case's global id.
func (c *Case) ID() string { return GlobalID("Case", c.RowID) }
