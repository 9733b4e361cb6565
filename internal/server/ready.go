package server

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
)

// This file is what `serve` shows while its database is not there: the
// Gate in front of the public listener, which answers UNAVAILABLE until
// the store's startup is over, and /readyz on the admin listener, which
// says whether this process can serve now (for a load balancer or an
// orchestrator: /healthz only says that the process lives).

// readyTimeout bounds /readyz's look at the database: a probe that waits
// longer than its caller's own timeout tells nothing.
const readyTimeout = time.Second

// Gate serves requests with the handler given to Open, and before that
// answers every request but /healthz (200: the process lives) with HTTP
// 503, Retry-After: 1 and a GraphQL error UNAVAILABLE, without waiting for
// anything. `serve` opens it at the end of the store's startup, so that
// nothing behind it meets a database that is not connected and migrated.
// The zero Gate is closed.
type Gate struct {
	next atomic.Pointer[http.Handler]
}

// Open lets requests through to next from now on.
func (g *Gate) Open(next http.Handler) { g.next.Store(&next) }

func (g *Gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if next := g.next.Load(); next != nil {
		(*next).ServeHTTP(w, r)
		return
	}
	if r.URL.Path == "/healthz" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
		return
	}
	writeUnavailable(w, store.Unavailable())
}

// writeUnavailable answers with 503 and e as a GraphQL-shaped error, as
// the authentication middleware answers its refusals.
func writeUnavailable(w http.ResponseWriter, e *apperr.Error) {
	type gqlError struct {
		Message    string            `json:"message"`
		Extensions map[string]string `json:"extensions"`
	}
	body, _ := json.Marshal(map[string][]gqlError{"errors": {{
		Message:    e.Message,
		Extensions: map[string]string{"code": string(e.Code)},
	}}})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Retry-After", "1")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write(append(body, '\n'))
}

// ReadinessReport is /readyz's answer. Ready is true when the startup is
// over and the database answers at the newest schema this binary knows.
type ReadinessReport struct {
	Ready      bool             `json:"ready"`
	Database   DatabaseReport   `json:"database"`
	Migrations MigrationsReport `json:"migrations"`
	// Replicas are the read replicas' states (serve --replica-url), as
	// their last health check found them; an empty list without
	// replicas. A replica that is down does not make the process
	// unready: the primary serves its reads.
	Replicas []ReplicaReport `json:"replicas"`
}

// ReplicaReport is one read replica's state (store.ReplicaState).
type ReplicaReport struct {
	URL     string `json:"url"` // its password hidden
	Healthy bool   `json:"healthy"`
	// Error says why the replica is skipped (the primary serves).
	Error string `json:"error,omitempty"`
	// Sequence is the change sequence the replica had replayed.
	Sequence int64 `json:"sequence"`
	// LagSeconds is how long the replica has been missing a change the
	// primary had (0: it had them all), to the health checks' second.
	LagSeconds float64 `json:"lagSeconds"`
	// CheckedAt is when it was last checked; absent before the first.
	CheckedAt *time.Time `json:"checkedAt,omitempty"`
}

// replicaReports are db's replicas as /readyz shows them.
func replicaReports(db *store.DB) []ReplicaReport {
	out := []ReplicaReport{}
	for _, r := range db.Replicas() {
		rep := ReplicaReport{URL: r.URL, Healthy: r.Healthy, Error: r.Error, Sequence: r.Sequence, LagSeconds: r.Lag.Seconds()}
		if !r.CheckedAt.IsZero() {
			at := r.CheckedAt.UTC()
			rep.CheckedAt = &at
		}
		out = append(out, rep)
	}
	return out
}

// DatabaseReport is whether a database answered a ping, and if not, why
// (the driver's text: the admin listener is for operators only).
type DatabaseReport struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// MigrationsReport compares the migrations the store has applied with
// those the binary knows.
type MigrationsReport struct {
	OK      bool   `json:"ok"`
	Applied int    `json:"applied"`
	Known   int    `json:"known"`
	Error   string `json:"error,omitempty"`
}

// Readiness is /readyz: 200 with a ReadinessReport when ready (started
// reports that the store's startup has succeeded, and the database
// answers a ping within a second at the newest schema), else 503 with the
// report saying what is missing. The migrations are read until they are
// found current, and not again: a running binary never knows more of
// them, so each probe then costs one ping.
func Readiness(db *store.DB, started func() bool) http.Handler {
	return &readiness{db: db, started: started}
}

type readiness struct {
	db      *store.DB
	started func() bool
	current atomic.Pointer[MigrationsReport] // once the migrations are current
}

func (h *readiness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	rep := ReadinessReport{Replicas: replicaReports(h.db)}
	if err := h.db.Ping(ctx); err != nil {
		rep.Database.Error = err.Error()
	} else {
		rep.Database.OK = true
	}
	rep.Migrations = h.migrations(ctx, rep.Database.OK)
	rep.Ready = h.started() && rep.Database.OK && rep.Migrations.OK
	status := http.StatusOK
	if !rep.Ready {
		status = http.StatusServiceUnavailable
	}
	body, _ := json.Marshal(rep)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// migrations reports the migration state: the one found current, if any;
// else read now when the database answers.
func (h *readiness) migrations(ctx context.Context, answers bool) MigrationsReport {
	if m := h.current.Load(); m != nil {
		return *m
	}
	if !answers {
		// Known needs no database; applied is unknown until it answers.
		known, _ := h.db.KnownMigrations()
		return MigrationsReport{Known: known, Error: "not read: the database does not answer"}
	}
	applied, known, err := h.db.MigrationStatus(ctx)
	m := MigrationsReport{OK: err == nil && applied == known, Applied: applied, Known: known}
	if err != nil {
		m.Error = err.Error()
	} else if m.OK {
		h.current.Store(&m)
	} else {
		m.Error = "the store is not at the newest schema yet"
	}
	return m
}
