// Package server is civicgraph's HTTP face: GraphQL at /graphql, GraphiQL at
// /, health at /healthz, with request logging, per-request loaders and
// recovery around them.
package server

import (
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/civicgraph/civicgraph/graph"
	"github.com/civicgraph/civicgraph/graph/generated"
	"github.com/civicgraph/civicgraph/internal/loader"
	"github.com/civicgraph/civicgraph/internal/server/graphiql"
	"github.com/civicgraph/civicgraph/internal/server/httptransport"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/vektah/gqlparser/v2/ast"
)

// Config is what a server needs.
type Config struct {
	DB *store.DB
	// Notice is shown on the GraphiQL page (e.g. that this is demo data).
	Notice string
	// MaxComplexity bounds a query's cost (fields times page sizes); 0 means
	// the default.
	MaxComplexity int
	// Now is the clock relative periods count from; nil means the system
	// clock. Tests inject a fixed one.
	Now func() time.Time
}

// DefaultMaxComplexity is the default cost budget of one query.
const DefaultMaxComplexity = 50_000_000

// New returns the server's HTTP handler.
func New(cfg Config) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/graphql", loader.Middleware(cfg.DB, GraphQL(cfg)))
	mux.Handle("/healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	}))
	mux.Handle("/", graphiql.Handler("civicgraph", "/graphql", cfg.Notice))
	return logRequests(recoverPanics(mux))
}

// GraphQL returns the GraphQL endpoint alone (without loaders: wrap it with
// loader.Middleware).
func GraphQL(cfg Config) http.Handler {
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &graph.Resolver{DB: cfg.DB, Now: cfg.Now}})
	srv := handler.New(schema)
	srv.AddTransport(httptransport.GET{})
	srv.AddTransport(httptransport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	limit := cfg.MaxComplexity
	if limit <= 0 {
		limit = DefaultMaxComplexity
	}
	srv.Use(complexityLimit(limit))
	srv.SetErrorPresenter(graph.PresentError)
	srv.SetRecoverFunc(graph.Recover)
	return http.TimeoutHandler(srv, 60*time.Second, `{"errors":[{"message":"request timed out","extensions":{"code":"INTERNAL"}}]}`)
}
