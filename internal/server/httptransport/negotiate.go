package httptransport

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// The two response media types the specification defines. The legacy
// application/json is the default: clients that send no Accept header (or
// */*) predate application/graphql-response+json and expect the old
// always-200 status codes.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// negotiate picks the response media type for r's Accept header, or ""
// when the client accepts neither JSON media type (the caller answers 406).
//
// Preference: higher quality value, then the more specific match (an exact
// type beats application/* beats */*), then the type listed first. A tie
// between wildcard matches goes to application/json, as the specification
// asks for */*.
func negotiate(r *http.Request) string {
	accept := strings.Join(r.Header.Values("Accept"), ",")
	if strings.TrimSpace(accept) == "" {
		return mediaJSON
	}
	best, bestScore := "", acceptScore{}
	for _, candidate := range []string{mediaJSON, mediaGraphQLResponse} {
		s := scoreFor(accept, candidate)
		if s.q > 0 && s.better(bestScore) {
			best, bestScore = candidate, s
		}
	}
	return best
}

// acceptScore is how well one Accept header matches one media type.
type acceptScore struct {
	q           float64
	specificity int // 3 exact, 2 type/*, 1 */*, 0 no match
	position    int // index of the matching element in the header
}

// better reports whether s should be preferred over o.
func (s acceptScore) better(o acceptScore) bool {
	if s.q != o.q {
		return s.q > o.q
	}
	if s.specificity != o.specificity {
		return s.specificity > o.specificity
	}
	// Same wildcard element matched both types: keep the earlier candidate
	// (application/json). Different exact elements: the first listed wins.
	return s.specificity == 3 && s.position < o.position
}

// scoreFor finds the most specific Accept element matching mediaType and
// returns its quality; per RFC 9110 the most specific range decides even
// when a less specific one has a higher q.
func scoreFor(accept, mediaType string) acceptScore {
	var found acceptScore
	for i, part := range strings.Split(accept, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		mt, params, err := mime.ParseMediaType(part)
		if err != nil {
			continue
		}
		spec := matchSpecificity(mt, mediaType)
		if spec == 0 || spec <= found.specificity {
			continue
		}
		found = acceptScore{q: quality(params), specificity: spec, position: i}
	}
	return found
}

// matchSpecificity rates how a media range matches a concrete media type.
func matchSpecificity(mediaRange, mediaType string) int {
	switch {
	case mediaRange == mediaType:
		return 3
	case mediaRange == "*/*":
		return 1
	case strings.HasSuffix(mediaRange, "/*") &&
		strings.HasPrefix(mediaType, strings.TrimSuffix(mediaRange, "*")):
		return 2
	}
	return 0
}

// quality parses the q parameter; absent means 1, malformed means 0 so that
// a garbled element cannot win the negotiation.
func quality(params map[string]string) float64 {
	v, ok := params["q"]
	if !ok {
		return 1
	}
	q, err := strconv.ParseFloat(v, 64)
	if err != nil || q < 0 || q > 1 {
		return 0
	}
	return q
}
