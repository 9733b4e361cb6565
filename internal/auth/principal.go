// Package auth answers "who is asking, and what may they see": the
// principal behind a request (from an API key, a JWT, or the demo's
// anonymous reader), its role, the part of the data its scope confines it
// to, and whether it may read personal data. Enforcement lives where the
// data is read (internal/query and internal/analytics add SQL predicates
// from the principal); this package only establishes the principal.
package auth

import "context"

// Role is what a principal may do.
type Role string

// The roles. ADMIN reads and writes everything; ANALYST reads within a
// region subtree; OPERATOR reads and writes within a region subtree;
// PARTNER is one organization: its own record, the alliances it belongs
// to, their communities' service records and demands.
const (
	Admin    Role = "ADMIN"
	Analyst  Role = "ANALYST"
	Operator Role = "OPERATOR"
	Partner  Role = "PARTNER"
)

// Roles lists every role, in the order the README documents them.
func Roles() []Role { return []Role{Admin, Analyst, Operator, Partner} }

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool {
	for _, x := range Roles() {
		if r == x {
			return true
		}
	}
	return false
}

// ScopeKind says what a scope is anchored to.
type ScopeKind string

// Scope kinds: none (everything), a region subtree, one organization.
const (
	ScopeNone         ScopeKind = ""
	ScopeRegion       ScopeKind = "region"
	ScopeOrganization ScopeKind = "organization"
)

// Scope confines a principal to part of the data, as given on the command
// line or in a token ("region:CODE", "organization:CODE"), with the anchor
// resolved to its row when the principal was established. An anchor that
// does not exist (any more) resolves to ID 0: the principal then sees
// nothing of the scoped kinds, never everything.
type Scope struct {
	Kind ScopeKind
	Code string
	// ID is the region's or organization's id, 0 when the code is unknown.
	ID int64
	// Path is the region's materialized path ("/1/2/") for a region scope.
	Path string
}

// String renders the scope as the command line takes it ("" for none).
func (s Scope) String() string {
	if s.Kind == ScopeNone {
		return ""
	}
	return string(s.Kind) + ":" + s.Code
}

// Principal is who a request acts for.
type Principal struct {
	// Subject names the principal in logs and audit records: "key:7" for an
	// API key, "jwt:<sub>" for a token, "anonymous" for the demo.
	Subject string
	// Name is the API key's name or the token's subject, for people.
	Name  string
	Role  Role
	Scope Scope
	// PII is the pii:read permission: personal data unmasked (and every such
	// read written to the access log).
	PII bool
	// KeyID is the API key's id (0 for tokens and the demo): its rate-limit
	// bucket and its persisted-operation allowlist hang from it.
	KeyID int64
	// Anonymous marks the demo's reader (`serve --demo`): reads everything.
	Anonymous bool
}

// CanWrite reports whether the role writes at all (within its scope).
func (p *Principal) CanWrite() bool {
	return p != nil && (p.Role == Admin || p.Role == Operator || p.Role == Partner)
}

// Unrestricted reports whether the principal sees every row: ADMIN, the
// demo's reader, and in-process callers (commands, tests) that carry none.
func (p *Principal) Unrestricted() bool {
	return p == nil || p.Anonymous || p.Role == Admin
}

// ReadsPII reports whether personal data is shown unmasked.
func (p *Principal) ReadsPII() bool { return p == nil || p.PII }

// Demo is the anonymous principal of `serve --demo`: it reads everything,
// personal data included (the demo's people are synthetic).
func Demo() *Principal {
	return &Principal{Subject: "anonymous", Name: "demo", Role: Admin, PII: true, Anonymous: true}
}

type principalKey struct{}

// With returns ctx carrying p.
func With(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// From returns the principal ctx carries, nil when none: an in-process
// caller (a command, a test) that is not subject to access control. The
// HTTP server always sets one or refuses the request.
func From(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
