# one-off: writes graph/schema/mutation.graphqls from the import format's fields
S="String"; I="Int"; B="Boolean"; D="Date"; T="Time"
ents = [
 ("Region","region",True,[("name",S,1),("level","RegionLevel",1),("parent",S,0),("timeZone",S,0)]),
 ("ServiceCategory","serviceCategory",True,[("name",S,1),("parent",S,0)]),
 ("Community","community",True,[("name",S,1),("kind","CommunityKind",1),("region",S,1),("population",I,0),("households",I,0)]),
 ("Organization","organization",True,[("name",S,1),("kind","OrganizationKind",1),("region",S,0),("community",S,0),("parent",S,0)]),
 ("Person","person",True,[("name",S,1),("gender","Gender",0),("birthYear",I,0),("phone",S,0),("community",S,0),("organization",S,0),("partyMember",B,0),("roles","[Role!]",0)]),
 ("Position","position",False,[("person",S,1),("organization",S,0),("title",S,1),("from",D,0),("to",D,0)]),
 ("GradeChange","gradeChange",False,[("person",S,1),("tier",I,1),("step",I,1),("effectiveOn",D,1)]),
 ("Alliance","alliance",True,[("name",S,1),("leadCommunity",S,0),("foundedOn",D,0)]),
 ("Membership","membership",False,[("alliance",S,1),("organization",S,1),("signedOn",D,0),("leftOn",D,0),("commitments","[String!]",0)]),
 ("Studio","studio",True,[("name",S,1),("region",S,0),("leadMentor",S,0),("theoryExpert",S,0),("foundedOn",D,0)]),
 ("Mentorship","mentorship",False,[("studio",S,1),("mentor",S,0),("trainee",S,1),("cohortYear",I,0),("startedOn",D,0),("endedOn",D,0),("outcome","MentorshipOutcome",0),("outcomeYear",I,0)]),
 ("ResearchTopic","researchTopic",False,[("studio",S,1),("lead",S,0),("members","[String!]",0),("title",S,1),("year",I,0)]),
 ("Case","case",False,[("studio",S,1),("lead",S,0),("members","[String!]",0),("title",S,1),("year",I,0)]),
 ("ServiceEvent","serviceEvent",True,[("kind","ServiceEventKind",1),("title",S,1),("community",S,0),("organizer",S,0),("organizerOrganization",S,0),("organizerAlliance",S,0),("startsAt",T,0),("endsAt",T,0)]),
 ("Demand","demand",True,[("community",S,1),("alliance",S,0),("category",S,0),("title",S,1),("raisedAt",T,1),("status","DemandStatus",1),("assignedTo",S,0),("respondedAt",T,0),("resolvedAt",T,0)]),
 ("ServiceRecord","serviceRecord",True,[("community",S,1),("category",S,0),("occurredAt",T,1),("peopleServed",I,0),("resolved",B,0),("provider",S,0),("providerPerson",S,0),("recipient",S,0),("event",S,0),("alliance",S,0),("demand",S,0)]),
]
out=["""# Writes: one create / update / upsert / archive / restore per entity type.
# Inputs take the import format's fields under the same names, relations by
# code, and go through the import's validation (package ingest): a value the
# import refuses, a mutation refuses, with the same reason, as BAD_USER_INPUT
# whose path ends in the input field. Every mutation is one transaction that
# also writes the audit trail, the change feed and the roll-ups.
#
# Generated once by tools/genschema.py from the import format's field table;
# edit both together.
"""]
for (T_,low,coded,fields) in ents:
    cr = "code: String!" if coded else "\"Derived from the fields the import derives it from when absent.\"\n  code: String"
    out.append(f'"A {T_} as the import format gives it: relations by code."')
    out.append(f"input {T_}Input {{\n  {cr}")
    for (n,t,req) in fields:
        out.append(f"  {n}: {t}{'!' if req else ''}")
    out.append("}\n")
    out.append(f'"Fields of a {T_} to change: an absent field keeps its value, null clears it."')
    out.append(f"input {T_}Patch {{")
    for (n,t,req) in fields:
        out.append(f"  {n}: {t}")
    out.append("}\n")
out.append("type Mutation {")
for (T_,low,coded,fields) in ents:
    out.append(f'  "Creates a {T_}; CONFLICT when its code exists (archived or not)."')
    out.append(f"  create{T_}(input: {T_}Input!): {T_}!")
    out.append(f'  "Changes the given fields of the live {T_} with this code; NOT_FOUND when there is none."')
    out.append(f"  update{T_}(code: String!, input: {T_}Patch!): {T_}!")
    out.append(f'  "Creates the {T_}, or replaces every field of the one with this code, as an import line does."')
    out.append(f"  upsert{T_}(input: {T_}Input!): {T_}!")
    out.append(f'  "Archives the {T_}: it vanishes from queries and statistics; CONFLICT while live rows refer to it."')
    out.append(f"  archive{T_}(code: String!): {T_}!")
    out.append(f'  "Brings an archived {T_} back."')
    out.append(f"  restore{T_}(code: String!): {T_}!")
out.append("}")
open("graph/schema/mutation.graphqls","w").write("\n".join(out)+"\n")
