// Package server is civicgraph's HTTP face: GraphQL at /graphql (and its
// subscriptions over websockets there), GraphiQL at /, health at /healthz,
// with request logging, query limits, per-request loaders and recovery
// around them.
package server

import (
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/civicgraph/civicgraph/graph"
	"github.com/civicgraph/civicgraph/graph/generated"
	"github.com/civicgraph/civicgraph/internal/accesslog"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/dashboard"
	"github.com/civicgraph/civicgraph/internal/export"
	"github.com/civicgraph/civicgraph/internal/live"
	"github.com/civicgraph/civicgraph/internal/loader"
	"github.com/civicgraph/civicgraph/internal/metrics"
	"github.com/civicgraph/civicgraph/internal/respcache"
	"github.com/civicgraph/civicgraph/internal/server/graphiql"
	"github.com/civicgraph/civicgraph/internal/server/httptransport"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/tracing"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/trace"
)

// Config is what a server needs. The zero value of every limit means its
// default (see limits.go); each refusal names the limit it hit.
type Config struct {
	DB *store.DB
	// Auth establishes each request's principal. nil serves every request
	// as the demo's anonymous reader (auth.Demo): only `serve --demo` and
	// tests that are not about access control leave it nil.
	Auth *auth.Authenticator
	// ResponseCacheBytes bounds the answers kept by the response cache
	// (package respcache); 0 means respcache.DefaultMaxBytes and a
	// negative value turns the cache off.
	ResponseCacheBytes int
	// Notice is shown on the GraphiQL page (e.g. that this is demo data).
	Notice string
	// Now is the clock relative periods count from; nil means the system
	// clock. Tests inject a fixed one.
	Now func() time.Time

	// MaxDepth bounds how deeply a query nests fields, counted through
	// fragments; 0 means DefaultMaxDepth.
	MaxDepth int
	// MaxComplexity bounds a query's cost (fields times page sizes) for
	// roles that ComplexityByRole does not list and for requests without
	// a principal; 0 means DefaultMaxComplexity.
	MaxComplexity int
	// ComplexityByRole is the cost budget of each role; nil means
	// DefaultComplexityByRole(). The demo's anonymous principal counts as
	// its role (ADMIN).
	ComplexityByRole map[auth.Role]int
	// RequestTimeout bounds the work done for one HTTP request (a whole
	// batch) once its body is read, and is also set as PostgreSQL's
	// statement_timeout on DB's connections; 0 means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// MaxBodyBytes bounds a request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxBatch bounds how many operations one POST may carry as a JSON
	// array; 0 means DefaultMaxBatch.
	MaxBatch int
	// RateLimit is how many operations per second one principal (or, for
	// the demo's anonymous reader and requests without a principal, one
	// client address) may run on average, RateBurst how many at once:
	// RateLimit 0 means DefaultRateLimit and a negative RateLimit turns
	// rate limiting off; RateBurst <= 0 means DefaultRateBurst.
	RateLimit float64
	RateBurst int
	// PartnerIntrospection lets PARTNER keys query __schema and __type,
	// which they may not by default.
	PartnerIntrospection bool
	// GQLGenExecution runs every field of every query through gqlgen's
	// executor, without graph.Direct (see directMode).
	GQLGenExecution bool
	// Live is the process's live-update hub, which subscriptions follow
	// the change feed through; whoever makes it closes it at shutdown,
	// which also closes the websocket connections bound to it. nil: the
	// server makes its own, which watches the feed only while someone
	// subscribes and so needs no closing.
	Live *live.Hub
	// Metrics counts requests, GraphQL operations, SQL statements, rows
	// written and rate-limit refusals, and reads DB's pool, its change feed
	// and the live hub at scrape time; the command serves Metrics.Handler
	// on the admin listener. nil: nothing is counted.
	Metrics *metrics.Metrics
	// Tracing gives requests, GraphQL operations and their SQL statements
	// spans (tracing.go; the command sets up the provider and the store's
	// tracer, package tracing). nil: nothing is traced, at no cost.
	Tracing trace.TracerProvider
}

// New returns the server's HTTP handler.
//
// Every request passes recoverPanics, then logRequests. Requests to
// /graphql then pass, in this order:
//
//  1. authentication (auth.Middleware, or the demo's reader when Auth is
//     nil): everything below reads the principal with auth.From;
//  2. limitBody: bodies over MaxBodyBytes get 413 before anything else;
//  3. requestDeadline: the request's context ends after RequestTimeout,
//     and readYourWrites (replica.go) checks Civicgraph-Min-Sequence and
//     adds Civicgraph-Sequence to answers to mutations;
//  4. splitBatch: a JSON array of operations becomes one sub-request per
//     operation, each passing every step below as if sent alone;
//  5. rateLimit: one token per operation from its principal's bucket;
//  6. the response cache (package respcache): an answer kept for the same
//     operation, principal, data version and minute is sent again (a hit
//     still cost its rate-limit token);
//  7. loader.Middleware: fresh loaders per operation;
//  8. the gqlgen server, whose extensions refuse, before anything runs, a
//     PARTNER's introspection, then a query too deep, then one too costly
//     for its role; a query's root fields are then executed by
//     graph.Direct, or by gqlgen's executor for what Direct does not
//     handle.
//
// A websocket upgrade (subscriptions, see websocket.go) takes a shorter
// way: authentication (deferred to its connection_init message when it
// sends no Authorization header), rateLimit, loader.Middleware and the
// gqlgen server, whose websocket transport and websocketRules apply the
// rest per operation and per event.
func New(cfg Config) http.Handler {
	lim := limitsOf(cfg)
	if cfg.DB != nil {
		cfg.DB.SetStatementTimeout(lim.requestTimeout)
	}
	cfg.Metrics.ObserveStore(cfg.DB)
	var limiter *rateLimiter
	if lim.rateLimit > 0 {
		limiter = newRateLimiter(lim.rateLimit, lim.rateBurst, time.Now)
		limiter.metrics = cfg.Metrics
	}
	gql := loader.Middleware(cfg.DB, graphQL(cfg, lim, limiter))
	endpoint, ws := gql, gql
	if cfg.ResponseCacheBytes >= 0 && cfg.DB != nil {
		endpoint = respcache.New(cfg.DB, cfg.ResponseCacheBytes, cfg.Now).Middleware(endpoint)
	}
	if limiter != nil {
		endpoint = limiter.middleware(endpoint)
		ws = limiter.middleware(ws)
	}
	endpoint = splitBatch(lim.maxBatch, endpoint)
	endpoint = requestDeadline(lim.requestTimeout, endpoint)
	if cfg.DB != nil { // read replicas: route queries, keep clients' own writes visible (replica.go)
		recent := newRecentWrites(recentWriteTTL)
		endpoint, ws = readYourWrites(cfg.DB, recent, endpoint), readYourWritesUpgrade(cfg.DB, recent, ws)
	}
	endpoint = limitBody(lim.maxBodyBytes, endpoint)
	endpoint = authenticate(cfg.Auth, endpoint)
	ws = authenticateUpgrade(cfg.Auth, ws)

	mux := http.NewServeMux()
	mux.Handle("/graphql", traceRequests(cfg.Tracing, upgrades(ws, endpoint)))
	// Exports: authenticated, body-limited and rate-limited as /graphql is
	// (one token per export), without its deadline: a large export streams
	// for as long as it takes.
	var exports http.Handler = export.Handler(cfg.DB, cfg.Now)
	if lim.rateLimit > 0 {
		exportLimiter := newRateLimiter(lim.rateLimit, lim.rateBurst, time.Now)
		exportLimiter.metrics = cfg.Metrics
		exports = exportLimiter.middleware(exports)
	}
	mux.Handle(export.Prefix, traceRequests(cfg.Tracing, authenticate(cfg.Auth, limitBody(lim.maxBodyBytes, exports))))
	mux.Handle("/healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	}))
	mux.Handle(dashboard.Prefix, dashboard.Handler(cfg.Notice)) // ServeMux redirects /dashboard here
	mux.Handle("/", graphiql.Handler("civicgraph", "/graphql", cfg.Notice))
	return logRequests(cfg.Metrics, recoverPanics(mux))
}

// GraphQL returns the GraphQL endpoint alone, with its transports (GET,
// POST, websockets) and the limits that gqlgen enforces (introspection for
// partners, depth, complexity) but none of the HTTP ones and without
// loaders for HTTP requests: wrap it with loader.Middleware.
func GraphQL(cfg Config) http.Handler {
	return graphQL(cfg, limitsOf(cfg), nil)
}

// graphQL is GraphQL with the rate limiter that operations sent over a
// websocket take their tokens from (nil: none).
func graphQL(cfg Config, lim limits, limiter *rateLimiter) http.Handler {
	hub := cfg.Live
	if hub == nil && cfg.DB != nil {
		hub = live.New(cfg.DB, live.Options{ReadTimeout: lim.requestTimeout})
	}
	cfg.Metrics.ObserveLive(hub)
	resolver := &graph.Resolver{DB: cfg.DB, Now: cfg.Now, Live: hub}
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: resolver})
	srv := handler.New(schema)
	srv.AddTransport(httptransport.GET{})
	srv.AddTransport(httptransport.POST{MaxBodyBytes: lim.maxBodyBytes})
	srv.AddTransport(websocketTransport(cfg.Auth, hub))
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(observeOperations{metrics: cfg.Metrics}) // first: it times all the others
	if cfg.Tracing != nil {
		srv.Use(traceOperations{tracer: cfg.Tracing.Tracer(tracing.ScopeName)})
	}
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	if !cfg.PartnerIntrospection {
		srv.Use(partnerIntrospection{})
	}
	srv.Use(depthLimit(lim.maxDepth))
	srv.Use(complexityLimit{byRole: lim.complexityByRole, fallback: lim.maxComplexity})
	srv.Use(websocketRules{db: cfg.DB, limiter: limiter, timeout: lim.requestTimeout})
	if cfg.DB != nil {
		srv.Use(&auth.Allowlist{DB: cfg.DB})
		srv.Use(accesslog.Extension{DB: cfg.DB, Now: cfg.Now})
	}
	srv.Use(respcache.Extension{})
	srv.Use(readRouting{}) // before Direct: query operations may read from replicas (replica.go)
	if mode := directMode(cfg); mode != directOff {
		// Last: every check above has passed before a field runs.
		srv.Use(graph.NewDirect(schema, resolver, mode == directVerify))
	}
	srv.SetErrorPresenter(presentCancellations(presentTimeouts(lim.requestTimeout, graph.PresentError)))
	srv.SetRecoverFunc(graph.Recover)
	return srv
}
