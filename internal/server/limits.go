package server

import (
	"time"

	"github.com/civicgraph/civicgraph/internal/auth"
)

// The defaults of the query limits, used where Config leaves a limit at its
// zero value.
const (
	// DefaultMaxDepth lets the deepest introspection query of common tools
	// through: GraphiQL's (graphql-js 16's getIntrospectionQuery) nests 15
	// levels, fields { args { type { ofType ×9 } } } under __schema { types }.
	// A data query four connections deep with edges { node } at each,
	// regions → communities → alliances → members → organization { name },
	// is 14.
	DefaultMaxDepth = 15
	// DefaultMaxComplexity is the cost budget of ADMIN, of roles without a
	// budget of their own and of requests without a principal.
	DefaultMaxComplexity = 50_000_000
	// DefaultRequestTimeout bounds one request's work, in Go and in the
	// database.
	DefaultRequestTimeout = 30 * time.Second
	// DefaultMaxBodyBytes: a GraphQL document with its variables is rarely
	// more than a few kilobytes; a batch of them well under 1 MiB.
	DefaultMaxBodyBytes int64 = 1 << 20
	// DefaultMaxBatch is how many operations one batch may carry.
	DefaultMaxBatch = 10
	// DefaultRateLimit and DefaultRateBurst: 100 operations a second on
	// average, 1,000 at once, per principal. A dashboard that loads a dozen
	// panels, or a partner's sync job paging through a feed, stays well
	// inside; a runaway loop is held to a rate one key cannot take the
	// server down with. Lower it per deployment with --rate-limit.
	DefaultRateLimit = 100.0
	DefaultRateBurst = 1000
)

// DefaultComplexityByRole returns the default cost budget of each role:
// ADMIN (and so the demo's anonymous reader, whose role is ADMIN) the full
// DefaultMaxComplexity, ANALYST and OPERATOR a tenth of it, PARTNER, whose
// scripts read one organization's slice, a hundredth.
func DefaultComplexityByRole() map[auth.Role]int {
	return map[auth.Role]int{
		auth.Admin:    DefaultMaxComplexity,
		auth.Analyst:  5_000_000,
		auth.Operator: 5_000_000,
		auth.Partner:  500_000,
	}
}

// limits is Config's limits with every default filled in.
type limits struct {
	maxDepth         int
	maxComplexity    int
	complexityByRole map[auth.Role]int
	requestTimeout   time.Duration
	maxBodyBytes     int64
	maxBatch         int
	rateLimit        float64 // 0: no rate limiting
	rateBurst        int
}

func limitsOf(cfg Config) limits {
	l := limits{
		maxDepth:         orDefault(cfg.MaxDepth, DefaultMaxDepth),
		maxComplexity:    orDefault(cfg.MaxComplexity, DefaultMaxComplexity),
		complexityByRole: cfg.ComplexityByRole,
		requestTimeout:   orDefault(cfg.RequestTimeout, DefaultRequestTimeout),
		maxBodyBytes:     orDefault(cfg.MaxBodyBytes, DefaultMaxBodyBytes),
		maxBatch:         orDefault(cfg.MaxBatch, DefaultMaxBatch),
		rateLimit:        cfg.RateLimit,
		rateBurst:        orDefault(cfg.RateBurst, DefaultRateBurst),
	}
	if l.complexityByRole == nil {
		l.complexityByRole = DefaultComplexityByRole()
	}
	switch {
	case l.rateLimit == 0:
		l.rateLimit = DefaultRateLimit
	case l.rateLimit < 0:
		l.rateLimit = 0
	}
	return l
}

// orDefault is v, or def when v is zero or negative (a limit of zero or
// less would refuse everything, which no one configures on purpose).
func orDefault[T int | int64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
