package auth

import (
	"strings"

	"github.com/civicgraph/civicgraph/internal/apperr"
)

// ParseRole reads a role as people type it: any letter case ("analyst",
// "Analyst" and "ANALYST" are the same role).
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToUpper(strings.TrimSpace(s)))
	if !r.Valid() {
		return "", apperr.Invalid("unknown role %q: want ADMIN, ANALYST, OPERATOR or PARTNER", s)
	}
	return r, nil
}

// ParseScope reads a scope as the command line and tokens give it:
// "region:CODE", "organization:CODE", or "" for none. The kind takes any
// letter case; the code is kept exactly, since codes compare bytewise.
// The anchor is not looked up here (see ResolveScope).
func ParseScope(s string) (Scope, error) {
	if s == "" {
		return Scope{}, nil
	}
	kind, code, ok := strings.Cut(s, ":")
	if !ok || code == "" || strings.TrimSpace(code) != code {
		return Scope{}, apperr.Invalid("invalid scope %q: want region:CODE or organization:CODE", s)
	}
	switch k := ScopeKind(strings.ToLower(kind)); k {
	case ScopeRegion, ScopeOrganization:
		return Scope{Kind: k, Code: code}, nil
	}
	return Scope{}, apperr.Invalid("invalid scope %q: the kind must be region or organization", s)
}

// CheckGrant says whether a role may carry a scope: ADMIN sees everything
// and takes no scope; ANALYST and OPERATOR take a region subtree or none
// (the whole tree); PARTNER is always one organization. Keys and tokens obey
// the same rule, so a typo cannot widen what a principal sees.
func CheckGrant(role Role, scope Scope) error {
	switch role {
	case Admin:
		if scope.Kind != ScopeNone {
			return apperr.Invalid("an ADMIN sees everything and takes no scope (got %s)", scope)
		}
	case Analyst, Operator:
		if scope.Kind != ScopeNone && scope.Kind != ScopeRegion {
			return apperr.Invalid("an %s takes a region:CODE scope or none (got %s)", role, scope)
		}
	case Partner:
		if scope.Kind != ScopeOrganization {
			return apperr.Invalid("a PARTNER needs an organization:CODE scope")
		}
	default:
		return apperr.Invalid("unknown role %q: want ADMIN, ANALYST, OPERATOR or PARTNER", role)
	}
	return nil
}
