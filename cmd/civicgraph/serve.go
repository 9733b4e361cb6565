package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/live"
	"github.com/civicgraph/civicgraph/internal/metrics"
	"github.com/civicgraph/civicgraph/internal/respcache"
	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
)

func runServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs, dbURL := newFlags("serve", stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on")
	demo := fs.Bool("demo", false, "demo mode: seed the article scenario into an empty store; anonymous clients read everything")
	adminListen := fs.String("admin-listen", "", "also listen on this address (e.g. 127.0.0.1:6060) for operators: pprof at /debug/pprof/, /healthz, /readyz; off when empty; no authentication, so keep it on loopback")
	grace := fs.Duration("shutdown-grace", defaultShutdownGrace, "on SIGTERM or Ctrl-C, stop accepting connections and give requests in flight this long to finish (websockets get a close frame); those still running then are cut off and the exit status is 1; keep it below the orchestrator's kill timeout")
	jf := jwtFlags{
		secret:   fs.String("jwt-secret", "", "accept HS256 JWTs signed with this shared secret, at least 32 bytes (default $CIVICGRAPH_JWT_SECRET; prefer the variable: flags show in process lists)"),
		jwks:     fs.String("jwt-jwks", "", "accept RS256 JWTs signed by a key of this JWKS file (read at start)"),
		issuer:   fs.String("jwt-issuer", "", "JWTs must have this issuer (iss)"),
		audience: fs.String("jwt-audience", "", "JWTs must have this audience (aud)"),
	}
	lim := limitFlags{
		rate:          fs.Float64("rate-limit", server.DefaultRateLimit, "operations per second one API key or token may run on average (negative: no limit)"),
		burst:         fs.Int("rate-burst", server.DefaultRateBurst, "operations one API key or token may run at once before the rate limit applies"),
		timeout:       fs.Duration("request-timeout", server.DefaultRequestTimeout, "longest a request may run; also PostgreSQL's statement_timeout"),
		depth:         fs.Int("max-depth", server.DefaultMaxDepth, "deepest a query may nest fields"),
		introspection: fs.Bool("partner-introspection", false, "let PARTNER keys introspect the schema"),
		cacheMB:       fs.Int("response-cache-mb", respcache.DefaultMaxBytes>>20, "memory for kept answers, in MiB (0: no response cache)"),
	}
	replicas := &replicaURLs{} // read replicas (replica.go)
	fs.Var(replicas, "replica-url", "send read-only queries to the PostgreSQL streaming replica at `URL` (repeatable; $CIVICGRAPH_REPLICA_URL takes a comma-separated list); writes, and reads that must see a client's writes, stay on the primary")
	replicaMaxLag := fs.Duration("replica-max-lag", store.DefaultReplicaMaxLag, "skip a replica that trails the primary by more than this")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"unexpected arguments"}
	}
	if *grace <= 0 {
		return usageError{fmt.Sprintf("--shutdown-grace %s: want a positive duration such as 30s", *grace)}
	}
	jwtConfig, err := jf.config()
	if err != nil {
		return err
	}
	db, err := store.OpenPool(*dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := openReplicas(db, replicas, store.ReplicaOptions{MaxLag: *replicaMaxLag}); err != nil {
		return err
	}
	authenticator, err := newAuthenticator(db, *demo, jwtConfig)
	if err != nil {
		return err
	}
	notice := ""
	if *demo {
		notice = "Demo mode: anonymous read access to everything, personal data included. The data is synthetic."
		slog.Warn("demo mode: anonymous clients read everything, personal data included")
	}
	// The live-update hub stops at the start of a shutdown, which closes
	// the websockets bound to it (http.Server.Shutdown neither waits for
	// nor closes hijacked connections), and in any case before the store
	// closes: this defer runs before db.Close's.
	hub := live.New(db, live.Options{ReadTimeout: *lim.timeout})
	defer hub.Close()
	// One registry per process: /metrics on the admin listener reads it.
	m := metrics.New()
	cfg := lim.config(server.Config{DB: db, Auth: authenticator, Notice: notice, Live: hub, Metrics: m})
	cfg.Tracing = traceStatements(db) // nil when tracing is off

	// The public listener answers UNAVAILABLE until the store is
	// connected and migrated; then the startup builds the server behind
	// the gate. Built only then, because server.New gives the store's new
	// connections their statement timeout, which migrations must not run
	// under (a migration may take longer than a request).
	gate := &server.Gate{}
	startCtx, stopStartup := context.WithCancel(ctx)
	startup := store.Start(startCtx, db, func(ctx context.Context) error {
		if *demo {
			start := time.Now()
			seeded, err := seedArticleIfEmpty(ctx, db)
			if err != nil {
				return fmt.Errorf("seed the demo data: %w", err)
			}
			if seeded {
				slog.Info("seeded the article scenario", "took", time.Since(start).Round(time.Millisecond).String())
			}
		}
		gate.Open(server.New(cfg))
		return nil
	})
	defer func() {
		stopStartup()
		<-startup.Done()
	}()
	if db.Dialect() != store.Postgres || *demo {
		// SQLite is a file: it opens at once or never, as before. The
		// demo is served only once it is seeded.
		if err := startup.Wait(ctx); err != nil {
			return err
		}
	}
	tcp, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	ln := newDrainListener(tcp)
	srv := &http.Server{
		Handler:           gate,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	srv.RegisterOnShutdown(hub.Close)
	var admin *server.AdminServer
	if *adminListen != "" {
		if admin, err = server.StartAdmin(*adminListen, server.NewAdmin(server.AdminConfig{Routes: adminRoutes(db, startup, m)})); err != nil {
			ln.Close()
			return err
		}
	}
	return serveUntilStopped(ctx, srv, ln, admin, *grace, startup, func() {
		fmt.Fprintf(stdout, "civicgraph listening on http://%s/ (GraphQL at /graphql)\n", ln.Addr())
		if admin != nil {
			fmt.Fprintf(stdout, "civicgraph admin listening on %s/ (pprof at %s, readiness at /readyz, metrics at /metrics)\n", admin.URL(), server.AdminPprofPrefix)
		}
	})
}

// serveUntilStopped serves srv on ln until ctx ends (SIGTERM, Ctrl-C) or
// the store's startup fails for good (a migration that does not apply:
// the process ends, as it did when the startup came before listening),
// then shuts down (see shutDown). It returns the startup's failure, if
// any, or the shutdown's. announce says that the server listens: scripts
// wait for that line and then send requests, so when the database answers
// it comes once the startup is over, and they never meet UNAVAILABLE; when
// it does not, it comes after startupGrace anyway (the listener serves
// from the start: /healthz, and UNAVAILABLE).
func serveUntilStopped(ctx context.Context, srv *http.Server, ln *drainListener, admin *server.AdminServer, grace time.Duration, startup *store.Startup, announce func()) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-startup.Done():
	case <-time.After(startupGrace):
		slog.Warn("listening before the database answers: GraphQL requests get 503 UNAVAILABLE until it does")
	case <-ctx.Done():
	}
	announce()
	var failed error
	started := startup.Done()
	for failed == nil && ctx.Err() == nil {
		select {
		case err := <-errc:
			stopAdmin(admin)
			return err
		case <-started:
			started = nil
			if !startup.Ready() && ctx.Err() == nil {
				failed = startup.Err()
			}
		case <-ctx.Done():
		}
	}
	err := shutDown(srv, ln, grace, errc)
	stopAdmin(admin)
	if failed != nil {
		return failed
	}
	return err
}

// shutDown stops the public listener within grace: new connections are
// refused at once (the listener closes), idle keep-alive connections
// close, requests in flight finish and their connections close after the
// answer, and the live hub (srv's shutdown hook) closes the websockets
// with a close frame; shutDown waits for those too (ln counts them).
// Whatever is still open when grace is over is closed, and that is an
// error: some client lost an answer. errc is srv.Serve's result.
func shutDown(srv *http.Server, ln *drainListener, grace time.Duration, errc <-chan error) error {
	start := time.Now()
	slog.Info("shutting down: refusing new connections, finishing requests in flight",
		"grace", grace.String(), "connections", ln.Open())
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err == nil {
		err = ln.Wait(ctx) // the hijacked connections: websockets
	}
	if err != nil {
		_ = srv.Close()
		cut := ln.CloseAll()
		slog.Warn("shutdown grace period over: closed the connections still busy", "grace", grace.String(), "closed", cut)
		err = fmt.Errorf("shutdown: %d connections were still busy after the %s grace period and were closed", cut, grace)
	} else {
		slog.Info("public listener stopped: every request in flight was answered", "took", time.Since(start).Round(time.Millisecond).String())
	}
	if serveErr := <-errc; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
}

// stopAdmin stops the admin listener (nil: none), last, so that operators
// could watch the public one drain.
func stopAdmin(admin *server.AdminServer) {
	if admin == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), adminShutdownGrace)
	defer cancel()
	if err := admin.Shutdown(ctx); err != nil {
		slog.Warn("admin listener stopped with an error", "err", err.Error())
		return
	}
	slog.Info("admin listener stopped")
}

// defaultShutdownGrace is --shutdown-grace's default, the grace serve
// always had. Under an orchestrator, set it below the time between its
// SIGTERM and its SIGKILL (Kubernetes: terminationGracePeriodSeconds, 30 s
// by default), so that the process ends on its own terms.
const defaultShutdownGrace = 30 * time.Second

// adminShutdownGrace bounds the admin listener's shutdown: a CPU profile
// being taken is not worth waiting for.
const adminShutdownGrace = 5 * time.Second

// startupGrace is how long serve waits for the database before it says
// that it listens (see runServe).
const startupGrace = time.Second

// adminRoutes are the admin listener's endpoints besides pprof and
// /healthz (server.NewAdmin).
func adminRoutes(db *store.DB, startup *store.Startup, m *metrics.Metrics) map[string]http.Handler {
	return map[string]http.Handler{
		"GET /readyz":  server.Readiness(db, startup.Ready),
		"GET /metrics": m.Handler(),
	}
}

// limitFlags are serve's flags for query limits and the response cache.
type limitFlags struct {
	rate          *float64
	burst, depth  *int
	timeout       *time.Duration
	introspection *bool
	cacheMB       *int
}

func (f limitFlags) config(cfg server.Config) server.Config {
	cfg.RateLimit, cfg.RateBurst = *f.rate, *f.burst
	cfg.RequestTimeout, cfg.MaxDepth = *f.timeout, *f.depth
	cfg.PartnerIntrospection = *f.introspection
	cfg.ResponseCacheBytes = *f.cacheMB << 20
	if *f.cacheMB <= 0 {
		cfg.ResponseCacheBytes = -1
	}
	return cfg
}

// jwtFlags are serve's flags for bearer JWTs.
type jwtFlags struct {
	secret, jwks, issuer, audience *string
}

// config turns the flags into a JWT configuration: nil when no secret or
// JWKS is given (API keys only). Issuer or audience without a way to verify
// tokens is bad usage.
func (f jwtFlags) config() (*auth.JWTConfig, error) {
	secret := *f.secret
	if secret == "" {
		// Read here rather than as the flag's default, so that -h never
		// prints the secret.
		secret = os.Getenv("CIVICGRAPH_JWT_SECRET")
	}
	if secret == "" && *f.jwks == "" {
		if *f.issuer != "" || *f.audience != "" {
			return nil, usageError{"--jwt-issuer and --jwt-audience need --jwt-secret (or $CIVICGRAPH_JWT_SECRET) or --jwt-jwks"}
		}
		return nil, nil
	}
	cfg := &auth.JWTConfig{Issuer: *f.issuer, Audience: *f.audience}
	if secret != "" {
		if len(secret) < 32 {
			return nil, usageError{fmt.Sprintf("the JWT secret has %d bytes; HS256 needs at least 32", len(secret))}
		}
		cfg.Secret = []byte(secret)
	}
	if *f.jwks != "" {
		keys, err := auth.LoadJWKS(*f.jwks)
		if err != nil {
			return nil, err
		}
		cfg.Keys = keys
		if cfg.Audience == "" {
			slog.Warn("--jwt-jwks without --jwt-audience: tokens the identity provider issued for any other application are accepted too")
		}
	}
	return cfg, nil
}

// newAuthenticator builds what establishes each request's principal: API
// keys from the store, JWTs when jwt is set, and without credentials the
// demo's anonymous reader when demo is set (else the request is refused).
func newAuthenticator(db *store.DB, demo bool, jwt *auth.JWTConfig) (*auth.Authenticator, error) {
	return auth.NewAuthenticator(auth.Config{DB: db, JWT: jwt, Demo: demo})
}
