// Package pii says how personal data looks to a principal without
// pii:read: one masking rule per kind of value, shared by every way data
// leaves the server (GraphQL, exports), so that they cannot disagree.
package pii

import "strings"

// MaskName keeps the first character (the family name, as a rule):
// 陈孝军 → 陈**; a one-character name still gets a star.
func MaskName(name string) string {
	r := []rune(name)
	if len(r) == 0 {
		return name
	}
	return string(r[0]) + strings.Repeat("*", max(len(r)-1, 1))
}

// MaskPhone keeps the first three and last four characters of a number of
// seven or more (13812341234 → 138****1234) and hides shorter ones whole.
func MaskPhone(phone string) string {
	r := []rune(phone)
	if len(r) >= 7 {
		return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
	}
	return strings.Repeat("*", len(r))
}
