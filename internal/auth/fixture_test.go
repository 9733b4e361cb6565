package auth

import (
	"context"
	"errors"
	"testing"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
)

var ctx = context.Background()

// Fixture ids: a province R1 (/1/) with a city R2 (/1/2/) under it, and
// the organization ORG-1 in the city.
const (
	cityID = 2
	orgID  = 7
)

// fixture fills db with the regions and the organization scopes anchor to.
func fixture(t *testing.T, db *store.DB) {
	t.Helper()
	for _, stmt := range []string{
		"INSERT INTO regions (id, code, name, level, path) VALUES (1, 'R1', 'Province', 'PROVINCE', '/1/')",
		"INSERT INTO regions (id, code, name, level, parent_id, path) VALUES (2, 'R2', 'City', 'CITY', 1, '/1/2/')",
		"INSERT INTO organizations (id, code, name, kind, region_id, region_path) VALUES (7, 'ORG-1', 'Unit', 'ENTERPRISE', 2, '/1/2/')",
	} {
		if _, err := db.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
}

// mustCreate creates a key or fails the test.
func mustCreate(t *testing.T, db *store.DB, name string, role Role, scope string, pii bool) (string, *APIKey) {
	t.Helper()
	s, err := ParseScope(scope)
	if err != nil {
		t.Fatal(err)
	}
	key, row, err := Create(ctx, db, name, role, s, pii)
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return key, row
}

// wantCode fails the test unless err is an *apperr.Error with code.
func wantCode(t *testing.T, err error, code apperr.Code, what string) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != code {
		t.Fatalf("%s: got %v (%T), want %s", what, err, err, code)
	}
}
