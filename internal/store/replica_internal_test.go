package store

import (
	"testing"
	"time"
)

// A replica's lag is the age of the first primary sample beyond what it
// has replayed; old samples are dropped, but never all of them.
func TestReplicaLag(t *testing.T) {
	s := &replicaSet{opt: ReplicaOptions{MaxLag: 10 * time.Second, CheckEvery: time.Second}}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, seq := range []int64{5, 5, 7, 9} {
		s.addSample(t0.Add(time.Duration(i)*time.Second), seq)
	}
	now := t0.Add(4 * time.Second)
	for seq, want := range map[int64]time.Duration{9: 0, 12: 0, 8: time.Second, 6: 2 * time.Second, 5: 2 * time.Second, 4: 4 * time.Second} {
		if got := s.lagOf(now, seq); got != want {
			t.Errorf("lag of a replica at %d: %s; want %s", seq, got, want)
		}
	}
	s.addSample(t0.Add(time.Hour), 9)
	if len(s.samples) != 1 || s.lagOf(t0.Add(time.Hour), 8) != 0 {
		t.Errorf("after an hour: samples %v", s.samples)
	}
}
