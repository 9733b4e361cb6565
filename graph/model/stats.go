package model

import (
	"github.com/civicgraph/civicgraph/internal/analytics"
	"github.com/civicgraph/civicgraph/internal/store"
)

// ServiceStat is one group of serviceStats with its keys loaded.
type ServiceStat struct {
	Region         *store.Region
	Community      *store.Community
	Category       *store.ServiceCategory
	Organization   *store.Organization
	Alliance       *store.Alliance
	Period         *analytics.Period
	Records        int
	PeopleServed   int
	Resolved       int
	ResolutionRate float64
}

// DemandStat is one group of demandStats with its keys loaded.
type DemandStat struct {
	Region                  *store.Region
	Community               *store.Community
	Category                *store.ServiceCategory
	Organization            *store.Organization
	Alliance                *store.Alliance
	Status                  *string
	Period                  *analytics.Period
	Demands                 int
	Open                    int
	Assigned                int
	InProgress              int
	Resolved                int
	Closed                  int
	Reopened                int
	MedianHoursToResponse   *float64
	P90HoursToResponse      *float64
	MedianHoursToResolution *float64
	P90HoursToResolution    *float64
}

// MentorshipStat is one group of mentorshipStats with its keys loaded.
type MentorshipStat struct {
	Region      *store.Region
	Studio      *store.Studio
	Outcome     *string
	OutcomeYear *int
	CohortYear  *int
	Mentorships int
	Trainees    int
}
