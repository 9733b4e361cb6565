package store

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// This file sends read-only queries to PostgreSQL streaming replicas (hot
// standbys). Only DB.Query with a context marked by ReadOnly is routed;
// Exec, transactions and unmarked queries always run on the primary, so a
// caller that has not said "this may read old data" never does.
//
// A replica serves a marked query when its last health check (see
// checkReplicas) found it reachable, in recovery (a standby, not a second
// primary) and no more than MaxLag behind, and when the change sequence it
// had replayed then is at least the query's minimum: replay only moves
// forward, so that replica still has everything up to that sequence. When
// no replica qualifies, the primary serves: it has every committed change.

// ReplicaOptions tune OpenReplicas; the zero value takes the defaults.
type ReplicaOptions struct {
	// MaxLag is how far a replica may trail the primary before it is
	// skipped; 0 means DefaultReplicaMaxLag.
	MaxLag time.Duration
	// CheckEvery is the time between health checks; 0 means
	// DefaultReplicaCheckEvery.
	CheckEvery time.Duration
}

// The defaults of ReplicaOptions.
const (
	DefaultReplicaMaxLag     = 10 * time.Second
	DefaultReplicaCheckEvery = time.Second
)

// ReplicaState is what the last health check found of one replica.
type ReplicaState struct {
	// URL is the replica's URL with its password hidden.
	URL     string
	Healthy bool
	// Error says why the replica is skipped, "" when it is healthy.
	Error string
	// Sequence is the last change sequence the replica had replayed.
	Sequence int64
	// Lag is how long ago the primary first held a change the replica
	// had not replayed yet: 0 when it had them all. Its resolution is
	// CheckEvery.
	Lag time.Duration
	// CheckedAt is when the last check ended; zero before the first.
	CheckedAt time.Time
}

// OpenReplicas makes the store send read-only queries (see ReadOnly) to
// the PostgreSQL streaming replicas at urls, each with a pool of its own,
// set up as the primary's (custom plans, fail-fast connection attempts,
// the statement timeout), and checks their health in the background until
// the store closes. It connects to nothing itself: until a replica's
// first health check succeeds, the primary serves. Call it once, before
// the store is shared. An SQLite store has no replicas: that is an error.
func (db *DB) OpenReplicas(urls []string, opt ReplicaOptions) error {
	if len(urls) == 0 {
		return nil
	}
	if db.dialect != Postgres {
		return fmt.Errorf("replicas need PostgreSQL: the store is %s", db.dialect)
	}
	if db.replicas.Load() != nil {
		return errors.New("open replicas: the store has them already")
	}
	if opt.MaxLag <= 0 {
		opt.MaxLag = DefaultReplicaMaxLag
	}
	if opt.CheckEvery <= 0 {
		opt.CheckEvery = DefaultReplicaCheckEvery
	}
	set := &replicaSet{opt: opt, stop: make(chan struct{})}
	for _, u := range urls {
		r, err := db.openReplica(u)
		if err != nil {
			set.closePools()
			return err
		}
		set.list = append(set.list, r)
	}
	db.replicas.Store(set)
	set.wg.Add(1)
	go db.checkReplicas(set)
	return nil
}

// openReplica opens the pool of one replica, as OpenPool opens the
// primary's.
func (db *DB) openReplica(rawURL string) (*replica, error) {
	shown := RedactURL(rawURL)
	if !strings.HasPrefix(rawURL, "postgres://") && !strings.HasPrefix(rawURL, "postgresql://") {
		return nil, fmt.Errorf("replica %s: want a postgres://... URL", shown)
	}
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		// pgx's message may quote the URL, password included.
		return nil, fmt.Errorf("replica %s: the URL does not parse", shown)
	}
	customPlans(cfg)
	nameApplication(cfg)
	failFast(cfg, rawURL)
	pool := sql.OpenDB(reachConnector{stdlib.GetConnector(*cfg, stdlib.OptionBeforeConnect(db.pgRuntimeParams))})
	pool.SetMaxOpenConns(pgMaxConns)
	pool.SetMaxIdleConns(pgMaxConns)
	r := &replica{sql: pool}
	r.state = ReplicaState{URL: shown, Error: "not checked yet"}
	return r, nil
}

// Replicas returns the state of each replica, in the order they were
// given; none when the store reads only from its primary.
func (db *DB) Replicas() []ReplicaState {
	set := db.replicas.Load()
	if set == nil {
		return nil
	}
	out := make([]ReplicaState, len(set.list))
	for i, r := range set.list {
		out[i] = r.snapshot()
	}
	return out
}

// HasReplicas reports whether OpenReplicas gave the store replicas.
func (db *DB) HasReplicas() bool { return db.replicas.Load() != nil }

// Reads returns how many queries (DB.Query calls) the primary and the
// replicas have served; a query retried on the primary counts for both.
func (db *DB) Reads() (primary, replicas int64) {
	return db.readsPrimary.Load(), db.readsReplica.Load()
}

// replicaSet is a store's replicas and their health checker.
type replicaSet struct {
	opt  ReplicaOptions
	list []*replica
	next atomic.Uint64 // round robin
	stop chan struct{}
	wg   sync.WaitGroup

	// samples are the primary's last change sequence as the checks read
	// it, oldest first, kept for MaxLag and a few checks more: a
	// replica's lag is how long ago the first sample beyond its own
	// sequence was taken.
	samples []sequenceSample
}

type sequenceSample struct {
	at  time.Time
	seq int64
}

// replica is one replica's pool and last known state.
type replica struct {
	sql *sql.DB

	mu    sync.Mutex
	state ReplicaState
}

func (r *replica) snapshot() ReplicaState {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state
}

// usable reports whether r may serve a query that must see minSequence.
func (r *replica) usable(minSequence int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state.Healthy && r.state.Sequence >= minSequence
}

// markDown takes r out of service until its next successful check.
func (r *replica) markDown(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.state.Healthy = false
	r.state.Error = err.Error()
}

// closeReplicas stops the health checks and closes the replicas' pools;
// closing the store again finds none.
func (db *DB) closeReplicas() {
	set := db.replicas.Swap(nil)
	if set == nil {
		return
	}
	close(set.stop)
	set.wg.Wait()
	set.closePools()
}

func (s *replicaSet) closePools() {
	for _, r := range s.list {
		_ = r.sql.Close()
	}
}

// resetReplicaIdle closes the replicas' idle connections, so that they
// reopen with a new statement timeout (see SetStatementTimeout).
func (db *DB) resetReplicaIdle() {
	if set := db.replicas.Load(); set != nil {
		for _, r := range set.list {
			r.sql.SetMaxIdleConns(0)
			r.sql.SetMaxIdleConns(pgMaxConns)
		}
	}
}

// RedactURL hides the password of a database URL (***), in its user
// information and in query parameters named like one, for logs and
// /readyz.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<a URL that does not parse>"
	}
	// url.URL would escape the stars; the parts are put back by hand.
	password := ""
	if _, has := u.User.Password(); has {
		password = ":***"
	}
	userinfo := ""
	if u.User != nil {
		userinfo = url.User(u.User.Username()).String() + password + "@"
	}
	params := strings.Split(u.RawQuery, "&")
	for i, p := range params {
		if key, _, _ := strings.Cut(p, "="); strings.Contains(strings.ToLower(key), "password") {
			params[i] = key + "=***"
		}
	}
	u.User, u.RawQuery = nil, ""
	out := strings.Replace(u.String(), "://", "://"+userinfo, 1)
	if q := strings.Join(params, "&"); q != "" {
		out += "?" + q
	}
	return out
}

// isRecoveryConflict reports whether a standby cancelled a query because
// replaying the primary's changes needed what it read (a hot standby's
// query conflict): the same query on the primary has no such conflict.
func isRecoveryConflict(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "40001" && strings.Contains(pe.Message, "recovery")
}
