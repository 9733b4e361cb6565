package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// Start connects, migrates and prepares; a failure other than an
// unreachable database ends it, not ready.
func TestStart(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		prepared := 0
		s := store.Start(ctx, db, func(context.Context) error { prepared++; return nil })
		if err := s.Wait(ctx); err != nil || !s.Ready() || s.Err() != nil || prepared != 1 {
			t.Errorf("Wait %v, Ready %v, Err %v, prepared %d times", err, s.Ready(), s.Err(), prepared)
		}
		applied, known, err := db.MigrationStatus(ctx)
		if err != nil || applied != known || known == 0 {
			t.Errorf("migrations: %d of %d applied, %v", applied, known, err)
		}
		if n, err := db.KnownMigrations(); n != known || err != nil {
			t.Errorf("KnownMigrations: %d, %v; want %d", n, err, known)
		}

		broken := errors.New("prepare failed")
		s = store.Start(ctx, db, func(context.Context) error { return broken })
		if err := s.Wait(ctx); !errors.Is(err, broken) || s.Ready() {
			t.Errorf("a failing prepare: Wait %v, Ready %v", err, s.Ready())
		}
	})
}

// Against a server that does not answer, Start keeps trying (Err says
// why) until its context ends.
func TestStartWithoutTheDatabase(t *testing.T) {
	db, err := store.OpenPool(nowhere(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := store.Start(ctx, db, func(context.Context) error {
		t.Error("prepared without a database")
		return nil
	})
	eventually(t, func() bool { return s.Err() != nil })
	if !store.IsUnavailable(s.Err()) {
		t.Errorf("Err: %v, want UNAVAILABLE", s.Err())
	}
	select {
	case <-s.Done():
		t.Fatalf("gave up: %v", s.Err())
	default:
	}
	cancel()
	<-s.Done()
	if s.Ready() {
		t.Error("ready without a database")
	}
}

// eventually polls cond until it holds, failing the test after a while.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; !cond(); i++ {
		if i == 1000 {
			t.Fatal("waited 10 s in vain")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
