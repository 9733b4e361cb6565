package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// lastSequenceSQL reads the last change sequence: the primary key's index
// answers it without reading the table.
const lastSequenceSQL = "SELECT COALESCE(MAX(sequence), 0) FROM changes"

// checkReplicas checks every replica each CheckEvery until the store
// closes. A round first reads the primary's last change sequence, then
// asks every replica at once whether it is a standby and what it has
// replayed; a replica that does not answer within the round does not
// hold up the others.
func (db *DB) checkReplicas(set *replicaSet) {
	defer set.wg.Done()
	tick := time.NewTicker(set.opt.CheckEvery)
	defer tick.Stop()
	for {
		db.checkRound(set)
		select {
		case <-set.stop:
			return
		case <-tick.C:
		}
	}
}

// checkRound is one round of checks.
func (db *DB) checkRound(set *replicaSet) {
	timeout := max(set.opt.CheckEvery, time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	go func() {
		select {
		case <-set.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	// The checks use the pools directly, not Query: they are neither
	// counted as the application's statements nor traced.
	var primarySeq int64
	if err := db.Bun.DB.QueryRowContext(ctx, lastSequenceSQL).Scan(&primarySeq); err == nil {
		set.addSample(time.Now(), primarySeq)
	}
	var wg sync.WaitGroup
	for _, r := range set.list {
		wg.Go(func() { set.check(ctx, r) })
	}
	wg.Wait()
}

// addSample notes the primary's sequence and forgets samples no lag
// computation needs any more.
func (s *replicaSet) addSample(at time.Time, seq int64) {
	s.samples = append(s.samples, sequenceSample{at: at, seq: seq})
	keep := s.opt.MaxLag + 5*s.opt.CheckEvery
	drop := 0
	for drop < len(s.samples)-1 && at.Sub(s.samples[drop].at) > keep {
		drop++
	}
	s.samples = s.samples[drop:]
}

// lagOf is how long ago the primary was first seen holding a change after
// seq: 0 when no sample is beyond it. A replica behind for longer than the
// samples go back gets the oldest sample's age, which is over MaxLag.
func (s *replicaSet) lagOf(now time.Time, seq int64) time.Duration {
	for _, smp := range s.samples {
		if smp.seq > seq {
			return now.Sub(smp.at)
		}
	}
	return 0
}

// check asks one replica for its state and records it.
func (s *replicaSet) check(ctx context.Context, r *replica) {
	var (
		inRecovery bool
		seq        int64
	)
	err := r.sql.QueryRowContext(ctx, "SELECT pg_is_in_recovery(), ("+lastSequenceSQL+")").Scan(&inRecovery, &seq)
	now := time.Now()
	var lag time.Duration
	switch {
	case err != nil:
		if errors.Is(err, context.Canceled) {
			return // the store is closing
		}
	case !inRecovery:
		err = errors.New("not a standby (pg_is_in_recovery() is false): a second primary's data would diverge")
	default:
		// samples is written only by this round's goroutine, before the
		// checks start.
		lag = s.lagOf(now, seq)
		if lag > s.opt.MaxLag {
			err = fmt.Errorf("replaying %s behind the primary, more than the %s allowed", lag.Round(time.Millisecond), s.opt.MaxLag)
		}
	}
	r.mu.Lock()
	was := r.state
	r.state.CheckedAt = now
	r.state.Healthy = err == nil
	r.state.Error = ""
	if err != nil {
		r.state.Error = err.Error()
	} else {
		r.state.Sequence, r.state.Lag = seq, lag
	}
	st := r.state
	r.mu.Unlock()
	switch {
	case st.Healthy && !was.Healthy:
		slog.Info("read replica in service", "replica", st.URL, "sequence", st.Sequence)
	case !st.Healthy && (was.Healthy || was.CheckedAt.IsZero()):
		slog.Warn("read replica out of service: the primary serves its reads", "replica", st.URL, "err", st.Error)
	}
}
