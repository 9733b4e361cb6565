package auth

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

var keyShape = regexp.MustCompile(`^cgk_[a-z2-7]{52}$`)

func TestKeyCreateLookupRevoke(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		fixture(t, db)
		key, row := mustCreate(t, db, "dashboard", "analyst", "region:R2", true)
		if !keyShape.MatchString(key) {
			t.Fatalf("key %q does not look like cgk_ and 52 base32 digits", key)
		}
		if row.ID == 0 || row.Role != Analyst || row.Prefix != key[:8] || row.Revoked() || row.CreatedAt.IsZero() {
			t.Fatalf("row = %+v", row)
		}
		p, err := LookupKey(ctx, db, key)
		if err != nil {
			t.Fatal(err)
		}
		want := Principal{
			Subject: fmt.Sprintf("key:%d", row.ID), Name: "dashboard", Role: Analyst,
			Scope: Scope{Kind: ScopeRegion, Code: "R2", ID: cityID, Path: "/1/2/"},
			PII:   true, KeyID: row.ID,
		}
		if *p != want {
			t.Fatalf("principal = %+v\nwant %+v", *p, want)
		}

		other, _ := mustCreate(t, db, "ops", Operator, "", false)
		if key == other {
			t.Fatal("two keys are equal")
		}
		keys, err := List(ctx, db)
		if err != nil || len(keys) != 2 || keys[0].Name != "dashboard" || keys[1].Name != "ops" || keys[1].Scope.Kind != ScopeNone || keys[0].PII != true || keys[1].PII {
			t.Fatalf("list = %+v, %v", keys, err)
		}

		// Unknown and malformed keys are refused alike.
		for _, bad := range []string{KeyPrefix + strings.Repeat("a", 52), "cgk_short", key + "a", strings.ToUpper(key)} {
			_, err := LookupKey(ctx, db, bad)
			wantCode(t, err, apperr.Unauthenticated, "lookup of a bad key")
		}

		k, err := Revoke(ctx, db, "dashboard")
		if err != nil || !k.Revoked() {
			t.Fatalf("revoke: %+v %v", k, err)
		}
		_, err = LookupKey(ctx, db, key)
		wantCode(t, err, apperr.Unauthenticated, "lookup of a revoked key")
		if again, err := Revoke(ctx, db, fmt.Sprint(row.ID)); err != nil || !again.RevokedAt.Equal(*k.RevokedAt) {
			t.Fatalf("revoking again by id: %+v %v (first revoked at %v)", again, err, k.RevokedAt)
		}
		if p, err := LookupKey(ctx, db, other); err != nil || p.Name != "ops" {
			t.Fatalf("the other key: %+v %v", p, err)
		}
		for _, ref := range []string{"nope", "999"} {
			_, err := Revoke(ctx, db, ref)
			wantCode(t, err, apperr.NotFound, "revoke "+ref)
		}
	})
}

// The key itself is nowhere in the table: only its hash and its prefix.
func TestOnlyTheHashIsStored(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		key, _ := mustCreate(t, db, "secret-keeper", Admin, "", true)
		rows, err := db.Query(ctx, "SELECT * FROM api_keys")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var dump strings.Builder
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(&dump, "%s=%v\n", cols[i], v)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(dump.String(), key[8:16]) {
			t.Fatalf("the table holds more of the key than its prefix:\n%s", dump.String())
		}
		if !strings.Contains(dump.String(), "hash="+HashKey(key)+"\n") || !strings.Contains(dump.String(), "prefix="+key[:8]+"\n") {
			t.Fatalf("the table lacks the key's hash or prefix:\n%s", dump.String())
		}
	})
}

func TestScopeResolution(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		fixture(t, db)
		for _, c := range []struct {
			name  string
			role  Role
			scope string
			want  Scope
		}{
			{"partner", Partner, "organization:ORG-1", Scope{Kind: ScopeOrganization, Code: "ORG-1", ID: orgID}},
			{"province", Operator, "Region:R1", Scope{Kind: ScopeRegion, Code: "R1", ID: 1, Path: "/1/"}},
			{"everywhere", Analyst, "", Scope{}},
			{"admin", Admin, "", Scope{}},
		} {
			key, _ := mustCreate(t, db, c.name, c.role, c.scope, false)
			p, err := LookupKey(ctx, db, key)
			if err != nil || p.Scope != c.want || p.Role != c.role {
				t.Errorf("%s: %+v %v; want scope %+v", c.name, p, err, c.want)
			}
		}

		// An anchor that disappears after the key was made confines the key
		// to nothing; it does not fail and it does not widen.
		key, _ := mustCreate(t, db, "moved", Analyst, "region:R2", false)
		pkey, _ := mustCreate(t, db, "gone", Partner, "organization:ORG-1", false)
		if _, err := db.Exec(ctx, "UPDATE regions SET code = 'R2-OLD' WHERE code = 'R2'"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, "UPDATE organizations SET code = 'ORG-OLD' WHERE code = 'ORG-1'"); err != nil {
			t.Fatal(err)
		}
		p, err := LookupKey(ctx, db, key)
		if err != nil || p.Scope != (Scope{Kind: ScopeRegion, Code: "R2"}) || p.Unrestricted() {
			t.Fatalf("unknown region anchor: %+v %v", p, err)
		}
		p, err = LookupKey(ctx, db, pkey)
		if err != nil || p.Scope != (Scope{Kind: ScopeOrganization, Code: "ORG-1"}) {
			t.Fatalf("unknown organization anchor: %+v %v", p, err)
		}

		// At creation, an unknown anchor is the caller's mistake.
		_, _, err = Create(ctx, db, "typo", Analyst, Scope{Kind: ScopeRegion, Code: "R9"}, false)
		wantCode(t, err, apperr.BadUserInput, "create with an unknown region")
		_, _, err = Create(ctx, db, "typo", Partner, Scope{Kind: ScopeOrganization, Code: "ORG-9"}, false)
		wantCode(t, err, apperr.BadUserInput, "create with an unknown organization")
	})
}

func TestRoleAndScopeValidation(t *testing.T) {
	for in, want := range map[string]Role{"admin": Admin, "Analyst": Analyst, "OPERATOR": Operator, " partner ": Partner} {
		if got, err := ParseRole(in); err != nil || got != want {
			t.Errorf("ParseRole(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "root", "ADMINS"} {
		_, err := ParseRole(in)
		wantCode(t, err, apperr.BadUserInput, "ParseRole "+in)
	}
	for _, in := range []string{"R1", "region:", "city:R1", "region: R1", ":R1"} {
		_, err := ParseScope(in)
		wantCode(t, err, apperr.BadUserInput, "ParseScope "+in)
	}
	if s, err := ParseScope("ORGANIZATION:Org-1"); err != nil || s != (Scope{Kind: ScopeOrganization, Code: "Org-1"}) {
		t.Errorf("ParseScope keeps the code's case: %+v %v", s, err)
	}

	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		fixture(t, db)
		region := Scope{Kind: ScopeRegion, Code: "R1"}
		org := Scope{Kind: ScopeOrganization, Code: "ORG-1"}
		for _, c := range []struct {
			what  string
			name  string
			role  Role
			scope Scope
		}{
			{"an unknown role", "k", "BOSS", Scope{}},
			{"PARTNER without scope", "k", Partner, Scope{}},
			{"PARTNER with a region", "k", Partner, region},
			{"ANALYST with an organization", "k", Analyst, org},
			{"OPERATOR with an organization", "k", Operator, org},
			{"ADMIN with a scope", "k", Admin, region},
			{"no name", "", Admin, Scope{}},
			{"a name of digits", "123", Admin, Scope{}},
			{"a name like a flag", "-k", Admin, Scope{}},
			{"a name with a space", "my key", Admin, Scope{}},
		} {
			_, _, err := Create(ctx, db, c.name, c.role, c.scope, false)
			wantCode(t, err, apperr.BadUserInput, c.what)
		}
		if keys, _ := List(ctx, db); len(keys) != 0 {
			t.Fatalf("refused keys were stored: %+v", keys)
		}
		mustCreate(t, db, "twice", "admin", "", false)
		_, _, err := Create(ctx, db, "twice", Admin, Scope{}, false)
		wantCode(t, err, apperr.Conflict, "a name in use")
	})
}
