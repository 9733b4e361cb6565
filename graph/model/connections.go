package model

import "github.com/civicgraph/civicgraph/internal/store"

// One connection and edge type per entity with a connection in the schema;
// all behaviour is in Connection and Edge.
type (
	RegionConnection       struct{ *Connection[store.Region] }
	RegionEdge             = Edge[store.Region]
	CommunityConnection    struct{ *Connection[store.Community] }
	CommunityEdge          = Edge[store.Community]
	OrganizationConnection struct {
		*Connection[store.Organization]
	}
	OrganizationEdge          = Edge[store.Organization]
	AllianceConnection        struct{ *Connection[store.Alliance] }
	AllianceEdge              = Edge[store.Alliance]
	MembershipConnection      struct{ *Connection[store.Membership] }
	MembershipEdge            = Edge[store.Membership]
	PersonConnection          struct{ *Connection[store.Person] }
	PersonEdge                = Edge[store.Person]
	StudioConnection          struct{ *Connection[store.Studio] }
	StudioEdge                = Edge[store.Studio]
	MentorshipConnection      struct{ *Connection[store.Mentorship] }
	MentorshipEdge            = Edge[store.Mentorship]
	ServiceCategoryConnection struct {
		*Connection[store.ServiceCategory]
	}
	ServiceCategoryEdge      = Edge[store.ServiceCategory]
	AccessLogEntryConnection struct {
		*Connection[store.AccessLogEntry]
	}
	AccessLogEntryEdge     = Edge[store.AccessLogEntry]
	AuditEntryConnection   struct{ *Connection[store.AuditEntry] }
	AuditEntryEdge         = Edge[store.AuditEntry]
	ServiceEventConnection struct {
		*Connection[store.ServiceEvent]
	}
	ServiceEventEdge        = Edge[store.ServiceEvent]
	ServiceRecordConnection struct {
		*Connection[store.ServiceRecord]
	}
	ServiceRecordEdge = Edge[store.ServiceRecord]
	DemandConnection  struct{ *Connection[store.Demand] }
	DemandEdge        = Edge[store.Demand]
)
