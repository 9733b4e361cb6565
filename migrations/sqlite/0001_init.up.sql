-- civicgraph initial schema (SQLite).
-- SQLite compares text bytewise (BINARY), as the PostgreSQL schema does with
-- COLLATE "C". Times are text in one fixed-width UTC format
-- (2006-01-02T15:04:05.000000Z) so that text order is time order; dates are
-- YYYY-MM-DD text; booleans are 0/1.
-- region_path is the materialized path of the region a row hangs from
-- ('/<id>/<id>/.../'); subtree filters are a range scan on it.

CREATE TABLE regions (
    id         INTEGER PRIMARY KEY,
    code       text NOT NULL UNIQUE,
    name       text NOT NULL,
    level      text NOT NULL,
    parent_id  integer REFERENCES regions (id),
    path       text NOT NULL DEFAULT '',
    time_zone  text
);
CREATE INDEX regions_parent_id ON regions (parent_id);
CREATE INDEX regions_path ON regions (path);
CREATE INDEX regions_name ON regions (name);
CREATE INDEX regions_level ON regions (level);

CREATE TABLE service_categories (
    id         INTEGER PRIMARY KEY,
    code       text NOT NULL UNIQUE,
    name       text NOT NULL,
    parent_id  integer REFERENCES service_categories (id)
);
CREATE INDEX service_categories_parent_id ON service_categories (parent_id);
CREATE INDEX service_categories_name ON service_categories (name);

CREATE TABLE communities (
    id          INTEGER PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    name        text NOT NULL,
    kind        text NOT NULL,
    region_id   integer NOT NULL REFERENCES regions (id),
    population  integer,
    households  integer,
    region_path text NOT NULL DEFAULT ''
);
CREATE INDEX communities_region_id ON communities (region_id);
CREATE INDEX communities_region_path ON communities (region_path);
CREATE INDEX communities_name ON communities (name);
CREATE INDEX communities_kind ON communities (kind);
CREATE INDEX communities_population ON communities (population);
CREATE INDEX communities_households ON communities (households);

CREATE TABLE organizations (
    id           INTEGER PRIMARY KEY,
    code         text NOT NULL UNIQUE,
    name         text NOT NULL,
    kind         text NOT NULL,
    region_id    integer REFERENCES regions (id),
    community_id integer REFERENCES communities (id),
    parent_id    integer REFERENCES organizations (id),
    region_path  text NOT NULL DEFAULT ''
);
CREATE INDEX organizations_region_id ON organizations (region_id);
CREATE INDEX organizations_community_id ON organizations (community_id);
CREATE INDEX organizations_parent_id ON organizations (parent_id);
CREATE INDEX organizations_region_path ON organizations (region_path);
CREATE INDEX organizations_name ON organizations (name);
CREATE INDEX organizations_kind ON organizations (kind);

CREATE TABLE people (
    id              INTEGER PRIMARY KEY,
    code            text NOT NULL UNIQUE,
    name            text NOT NULL,
    gender          text,
    birth_year      integer,
    phone           text,
    community_id    integer REFERENCES communities (id),
    organization_id integer REFERENCES organizations (id),
    party_member    integer NOT NULL DEFAULT 0,
    roles           text NOT NULL DEFAULT '',
    region_path     text NOT NULL DEFAULT ''
);
CREATE INDEX people_community_id ON people (community_id);
CREATE INDEX people_organization_id ON people (organization_id);
CREATE INDEX people_region_path ON people (region_path);
CREATE INDEX people_name ON people (name);
CREATE INDEX people_gender ON people (gender);
CREATE INDEX people_birth_year ON people (birth_year);
CREATE INDEX people_phone ON people (phone);
CREATE INDEX people_party_member ON people (party_member);

-- person_roles mirrors people.roles, one row per role, so role filters are index lookups.
CREATE TABLE person_roles (
    person_id integer NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    role      text NOT NULL,
    PRIMARY KEY (person_id, role)
);
CREATE INDEX person_roles_role ON person_roles (role, person_id);

CREATE TABLE positions (
    id              INTEGER PRIMARY KEY,
    code            text NOT NULL UNIQUE,
    person_id       integer NOT NULL REFERENCES people (id),
    organization_id integer REFERENCES organizations (id),
    title           text NOT NULL,
    from_on         text,
    to_on           text
);
CREATE INDEX positions_person_id ON positions (person_id, from_on);
CREATE INDEX positions_organization_id ON positions (organization_id);
CREATE INDEX positions_title ON positions (title);

CREATE TABLE grade_changes (
    id           INTEGER PRIMARY KEY,
    code         text NOT NULL UNIQUE,
    person_id    integer NOT NULL REFERENCES people (id),
    tier         integer NOT NULL,
    step         integer NOT NULL,
    effective_on text NOT NULL
);
CREATE INDEX grade_changes_person_id ON grade_changes (person_id, effective_on);

CREATE TABLE alliances (
    id                INTEGER PRIMARY KEY,
    code              text NOT NULL UNIQUE,
    name              text NOT NULL,
    lead_community_id integer REFERENCES communities (id),
    founded_on        text,
    region_path       text NOT NULL DEFAULT ''
);
CREATE INDEX alliances_lead_community_id ON alliances (lead_community_id);
CREATE INDEX alliances_region_path ON alliances (region_path);
CREATE INDEX alliances_name ON alliances (name);
CREATE INDEX alliances_founded_on ON alliances (founded_on);

CREATE TABLE memberships (
    id              INTEGER PRIMARY KEY,
    code            text NOT NULL UNIQUE,
    alliance_id     integer NOT NULL REFERENCES alliances (id),
    organization_id integer NOT NULL REFERENCES organizations (id),
    signed_on       text,
    left_on         text,
    region_path     text NOT NULL DEFAULT '',
    UNIQUE (alliance_id, organization_id)
);
CREATE INDEX memberships_organization_id ON memberships (organization_id);
CREATE INDEX memberships_region_path ON memberships (region_path);
CREATE INDEX memberships_signed_on ON memberships (signed_on);
CREATE INDEX memberships_left_on ON memberships (left_on);

CREATE TABLE membership_commitments (
    membership_id integer NOT NULL REFERENCES memberships (id) ON DELETE CASCADE,
    category_id   integer NOT NULL REFERENCES service_categories (id),
    PRIMARY KEY (membership_id, category_id)
);
CREATE INDEX membership_commitments_category_id ON membership_commitments (category_id);

CREATE TABLE studios (
    id               INTEGER PRIMARY KEY,
    code             text NOT NULL UNIQUE,
    name             text NOT NULL,
    region_id        integer REFERENCES regions (id),
    lead_mentor_id   integer REFERENCES people (id),
    theory_expert_id integer REFERENCES people (id),
    founded_on       text,
    region_path      text NOT NULL DEFAULT ''
);
CREATE INDEX studios_region_id ON studios (region_id);
CREATE INDEX studios_lead_mentor_id ON studios (lead_mentor_id);
CREATE INDEX studios_theory_expert_id ON studios (theory_expert_id);
CREATE INDEX studios_region_path ON studios (region_path);
CREATE INDEX studios_name ON studios (name);
CREATE INDEX studios_founded_on ON studios (founded_on);

CREATE TABLE mentorships (
    id           INTEGER PRIMARY KEY,
    code         text NOT NULL UNIQUE,
    studio_id    integer NOT NULL REFERENCES studios (id),
    mentor_id    integer REFERENCES people (id),
    trainee_id   integer NOT NULL REFERENCES people (id),
    cohort_year  integer,
    started_on   text,
    ended_on     text,
    outcome      text,
    outcome_year integer,
    region_path  text NOT NULL DEFAULT ''
);
CREATE INDEX mentorships_studio_id ON mentorships (studio_id);
CREATE INDEX mentorships_mentor_id ON mentorships (mentor_id);
CREATE INDEX mentorships_trainee_id ON mentorships (trainee_id);
CREATE INDEX mentorships_region_path ON mentorships (region_path);
CREATE INDEX mentorships_cohort_year ON mentorships (cohort_year);
CREATE INDEX mentorships_outcome ON mentorships (outcome, outcome_year);
CREATE INDEX mentorships_outcome_year ON mentorships (outcome_year);
CREATE INDEX mentorships_started_on ON mentorships (started_on);
CREATE INDEX mentorships_ended_on ON mentorships (ended_on);

CREATE TABLE research_topics (
    id        INTEGER PRIMARY KEY,
    code      text NOT NULL UNIQUE,
    studio_id integer NOT NULL REFERENCES studios (id),
    lead_id   integer REFERENCES people (id),
    title     text NOT NULL,
    year      integer
);
CREATE INDEX research_topics_studio_id ON research_topics (studio_id);
CREATE INDEX research_topics_lead_id ON research_topics (lead_id);

CREATE TABLE research_topic_members (
    research_topic_id integer NOT NULL REFERENCES research_topics (id) ON DELETE CASCADE,
    person_id         integer NOT NULL REFERENCES people (id),
    PRIMARY KEY (research_topic_id, person_id)
);
CREATE INDEX research_topic_members_person_id ON research_topic_members (person_id);

CREATE TABLE cases (
    id        INTEGER PRIMARY KEY,
    code      text NOT NULL UNIQUE,
    studio_id integer NOT NULL REFERENCES studios (id),
    lead_id   integer REFERENCES people (id),
    title     text NOT NULL,
    year      integer
);
CREATE INDEX cases_studio_id ON cases (studio_id);
CREATE INDEX cases_lead_id ON cases (lead_id);

CREATE TABLE case_members (
    case_id   integer NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    person_id integer NOT NULL REFERENCES people (id),
    PRIMARY KEY (case_id, person_id)
);
CREATE INDEX case_members_person_id ON case_members (person_id);

CREATE TABLE service_events (
    id                        INTEGER PRIMARY KEY,
    code                      text NOT NULL UNIQUE,
    kind                      text NOT NULL,
    title                     text NOT NULL,
    community_id              integer REFERENCES communities (id),
    organizer_organization_id integer REFERENCES organizations (id),
    organizer_alliance_id     integer REFERENCES alliances (id),
    starts_at                 text,
    ends_at                   text,
    region_path               text NOT NULL DEFAULT ''
);
CREATE INDEX service_events_community_id ON service_events (community_id, starts_at);
CREATE INDEX service_events_organizer_organization_id ON service_events (organizer_organization_id);
CREATE INDEX service_events_organizer_alliance_id ON service_events (organizer_alliance_id);
CREATE INDEX service_events_region_path ON service_events (region_path, starts_at);
CREATE INDEX service_events_kind ON service_events (kind, starts_at);
CREATE INDEX service_events_starts_at ON service_events (starts_at);
CREATE INDEX service_events_ends_at ON service_events (ends_at);
CREATE INDEX service_events_title ON service_events (title);

CREATE TABLE demands (
    id             INTEGER PRIMARY KEY,
    code           text NOT NULL UNIQUE,
    community_id   integer NOT NULL REFERENCES communities (id),
    alliance_id    integer REFERENCES alliances (id),
    category_id    integer REFERENCES service_categories (id),
    title          text NOT NULL,
    raised_at      text NOT NULL,
    status         text NOT NULL,
    assigned_to_id integer REFERENCES organizations (id),
    responded_at   text,
    resolved_at    text,
    region_path    text NOT NULL DEFAULT ''
);
CREATE INDEX demands_community_id ON demands (community_id, raised_at);
CREATE INDEX demands_alliance_id ON demands (alliance_id, raised_at);
CREATE INDEX demands_category_id ON demands (category_id);
CREATE INDEX demands_assigned_to_id ON demands (assigned_to_id);
CREATE INDEX demands_region_path ON demands (region_path, raised_at);
CREATE INDEX demands_status ON demands (status);
CREATE INDEX demands_raised_at ON demands (raised_at);
CREATE INDEX demands_responded_at ON demands (responded_at);
CREATE INDEX demands_resolved_at ON demands (resolved_at);
CREATE INDEX demands_title ON demands (title);

CREATE TABLE service_records (
    id                 INTEGER PRIMARY KEY,
    code               text NOT NULL UNIQUE,
    community_id       integer NOT NULL REFERENCES communities (id),
    category_id        integer REFERENCES service_categories (id),
    occurred_at        text NOT NULL,
    people_served      integer NOT NULL DEFAULT 0,
    resolved           integer NOT NULL DEFAULT 0,
    provider_id        integer REFERENCES organizations (id),
    provider_person_id integer REFERENCES people (id),
    recipient_id       integer REFERENCES people (id),
    event_id           integer REFERENCES service_events (id),
    alliance_id        integer REFERENCES alliances (id),
    demand_id          integer REFERENCES demands (id),
    region_path        text NOT NULL DEFAULT ''
);
CREATE INDEX service_records_community_id ON service_records (community_id, occurred_at);
CREATE INDEX service_records_category_id ON service_records (category_id, occurred_at);
CREATE INDEX service_records_provider_id ON service_records (provider_id, occurred_at);
CREATE INDEX service_records_provider_person_id ON service_records (provider_person_id);
CREATE INDEX service_records_recipient_id ON service_records (recipient_id);
CREATE INDEX service_records_event_id ON service_records (event_id);
CREATE INDEX service_records_alliance_id ON service_records (alliance_id, occurred_at);
CREATE INDEX service_records_demand_id ON service_records (demand_id);
CREATE INDEX service_records_region_path ON service_records (region_path, occurred_at);
CREATE INDEX service_records_occurred_at ON service_records (occurred_at);
CREATE INDEX service_records_people_served ON service_records (people_served);
CREATE INDEX service_records_resolved ON service_records (resolved);
