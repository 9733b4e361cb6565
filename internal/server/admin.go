package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// The admin listener is a second, opt-in HTTP listener for operators
// (`civicgraph serve --admin-listen 127.0.0.1:6060`), apart from the public
// one so that nothing on it is ever reachable by API clients:
//
//	/debug/pprof/   net/http/pprof: the index, every named profile (heap,
//	                goroutine, allocs, block, mutex, threadcreate), cmdline,
//	                profile (CPU, ?seconds=N), symbol, trace
//	/healthz        200 "ok" while the process serves
//
// It has no authentication: bind it to loopback (or a private interface)
// only. Further operator endpoints (issue 7: /readyz, /metrics) are added by
// registering them on the *http.ServeMux that NewAdmin returns, or through
// AdminConfig.Routes, before the listener starts.

// AdminPprofPrefix is where the profiles are served.
const AdminPprofPrefix = "/debug/pprof/"

// AdminConfig configures the admin listener's handler.
type AdminConfig struct {
	// Routes are further endpoints, by ServeMux pattern ("/readyz",
	// "GET /metrics"). A pattern the admin handler already serves is an
	// error (NewAdmin panics, as ServeMux.Handle does).
	Routes map[string]http.Handler
}

// NewAdmin returns the admin listener's handler: pprof under
// /debug/pprof/, /healthz, and cfg.Routes. The mux is returned so that
// callers can register more endpoints on it before serving. It does not use
// http.DefaultServeMux (which importing net/http/pprof also fills): nothing
// civicgraph serves exposes that mux.
func NewAdmin(cfg AdminConfig) *http.ServeMux {
	mux := http.NewServeMux()
	// pprof.Index serves the named profiles itself (/debug/pprof/heap, ...);
	// these four are functions of their own.
	mux.HandleFunc(AdminPprofPrefix, pprof.Index)
	mux.HandleFunc(AdminPprofPrefix+"cmdline", pprof.Cmdline)
	mux.HandleFunc(AdminPprofPrefix+"profile", pprof.Profile)
	mux.HandleFunc(AdminPprofPrefix+"symbol", pprof.Symbol)
	mux.HandleFunc(AdminPprofPrefix+"trace", pprof.Trace)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	for pattern, h := range cfg.Routes {
		mux.Handle(pattern, h)
	}
	return mux
}

// AdminServer is a running admin listener.
type AdminServer struct {
	srv      *http.Server
	addr     net.Addr
	stopped  chan struct{} // closed when Serve has returned
	serveErr error         // Serve's error, once stopped is closed
}

// StartAdmin listens on addr ("127.0.0.1:6060"; port 0 picks a free one)
// and serves handler (NewAdmin's, usually) until Shutdown. It returns once
// the listener is open, so Addr is the real address. A non-loopback
// address is allowed, with a warning: the listener has no authentication.
func StartAdmin(addr string, handler http.Handler) (*AdminServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin listener: %w", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		slog.Warn("the admin listener (pprof) is not on a loopback address and has no authentication", "addr", ln.Addr().String())
	}
	a := &AdminServer{
		srv: &http.Server{
			Handler:           handler,
			ReadHeaderTimeout: 10 * time.Second,
			// No WriteTimeout: /debug/pprof/profile?seconds=N and trace
			// answer after N seconds (pprof refuses N beyond a
			// WriteTimeout).
			IdleTimeout: 120 * time.Second,
		},
		addr:    ln.Addr(),
		stopped: make(chan struct{}),
	}
	go func() {
		a.serveErr = a.srv.Serve(ln)
		close(a.stopped)
	}()
	return a, nil
}

// Addr is the address the admin listener listens on.
func (a *AdminServer) Addr() net.Addr { return a.addr }

// URL is the listener's base URL, http://HOST:PORT.
func (a *AdminServer) URL() string { return "http://" + a.addr.String() }

// Shutdown stops the listener, waiting for requests in flight (a CPU
// profile being taken, say) until ctx ends, then closing what remains. It
// may be called more than once.
func (a *AdminServer) Shutdown(ctx context.Context) error {
	err := a.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = a.srv.Close()
	}
	<-a.stopped
	if a.serveErr != nil && !errors.Is(a.serveErr, http.ErrServerClosed) && err == nil {
		err = a.serveErr
	}
	return err
}
