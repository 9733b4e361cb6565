package metrics

import "sync"

// The operation label's stand-ins for names that are not counted as
// themselves.
const (
	// Anonymous stands for an operation without a name.
	Anonymous = "anonymous"
	// Invalid stands for a name that is not [A-Za-z_][A-Za-z0-9_]{0,63}:
	// one the client sent as operationName for a document that did not
	// parse, say, which could hold anything, personal data included.
	Invalid = "invalid"
	// Other stands for every name first seen after maxOperationNames
	// others.
	Other = "other"
)

// maxOperationNames bounds the distinct operation names counted as
// themselves. Each name costs a series per code and a histogram per type;
// a client inventing names must not be able to grow the registry without
// end.
const maxOperationNames = 500

// maxNameLength is the longest name counted (or logged) as itself.
const maxNameLength = 64

// NameOf is an operation name as labels and logs may carry it: Anonymous
// for "", Invalid for anything but a short GraphQL-like identifier, else
// the name itself.
func NameOf(name string) string {
	if name == "" {
		return Anonymous
	}
	if !identifier(name) {
		return Invalid
	}
	return name
}

// identifier reports whether s is [A-Za-z_][A-Za-z0-9_]{0,63}.
func identifier(s string) bool {
	if len(s) == 0 || len(s) > maxNameLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// operationNames is the set of names counted as themselves: the first
// maxOperationNames seen. A name once admitted stays; one refused stays
// Other, so each name always counts under the same label.
type operationNames struct {
	mu   sync.RWMutex
	seen map[string]struct{}
}

// label is the operation label of name (as NameOf returns it).
func (n *operationNames) label(name string) string {
	if name == Anonymous || name == Invalid {
		return name
	}
	n.mu.RLock()
	_, ok := n.seen[name]
	full := len(n.seen) >= maxOperationNames
	n.mu.RUnlock()
	switch {
	case ok:
		return name
	case full:
		return Other
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.seen[name]; ok {
		return name
	}
	if len(n.seen) >= maxOperationNames {
		return Other
	}
	if n.seen == nil {
		n.seen = map[string]struct{}{}
	}
	n.seen[name] = struct{}{}
	return name
}
