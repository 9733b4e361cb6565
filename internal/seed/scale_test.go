package seed

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
)

func scaleHash(t *testing.T, size string, seed int64) string {
	t.Helper()
	h := sha256.New()
	enc := json.NewEncoder(h)
	if err := Scale(size, seed, func(l Line) error { return enc.Encode(l) }); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestScaleSmallIsDeterministic(t *testing.T) {
	a, b := scaleHash(t, "small", 42), scaleHash(t, "small", 42)
	if a != b {
		t.Errorf("same seed, different output: %s vs %s", a, b)
	}
	if c := scaleHash(t, "small", 43); c == a {
		t.Errorf("different seeds, same output")
	}
}

// TestScaleSmallLines checks every line of small: formats, dependency order,
// unique codes and natural keys, and that the rows match Counts exactly.
func TestScaleSmallLines(t *testing.T) {
	c := newChecker(false)
	got := map[string]int{}
	resolved := 0
	err := Scale("small", 7, func(l Line) error {
		got[l["type"].(string)]++
		if l["type"] == "ServiceRecord" && l["resolved"] == true {
			resolved++
		}
		return c.check(l)
	})
	if err != nil {
		t.Fatal(err)
	}
	want, err := Counts("small")
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range typeOrder {
		if got[typ] != want[typ] {
			t.Errorf("%s: %d rows, Counts says %d", typ, got[typ], want[typ])
		}
		if got[typ] == 0 {
			t.Errorf("no %s rows", typ)
		}
	}
	if resolved == 0 || resolved == got["ServiceRecord"] {
		t.Errorf("resolved records: %d of %d", resolved, got["ServiceRecord"])
	}
}

func TestCounts(t *testing.T) {
	if !slices.Equal(Sizes(), []string{"small", "medium", "city", "province"}) {
		t.Errorf("Sizes() = %v", Sizes())
	}
	var prev map[string]int
	for _, size := range Sizes() {
		c, err := Counts(size)
		if err != nil {
			t.Fatal(err)
		}
		for _, typ := range typeOrder {
			if c[typ] <= 0 {
				t.Errorf("%s: no %s rows", size, typ)
			}
			if prev != nil && c[typ] < prev[typ] {
				t.Errorf("%s has fewer %s rows than the size before", size, typ)
			}
		}
		t.Logf("%s: %v", size, c)
		prev = c
	}
	for size, want := range map[string]map[string]int{
		"small":    {"Community": 48, "Person": 4992, "ServiceRecord": 50_000, "Demand": 2_500},
		"medium":   {"Community": 1_000, "Person": 100_000, "ServiceRecord": 1_000_000, "Demand": 50_000},
		"city":     {"Community": 1_000, "Alliance": 2_000, "Membership": 20_000, "Person": 100_000, "ServiceRecord": 10_000_000, "Demand": 500_000},
		"province": {"Community": 10_000, "Person": 1_000_000, "ServiceRecord": 100_000_000},
	} {
		c, _ := Counts(size)
		for typ, n := range want {
			if c[typ] != n {
				t.Errorf("%s %s: %d, want %d", size, typ, c[typ], n)
			}
		}
	}
	if _, err := Counts("galaxy"); err == nil {
		t.Errorf("unknown size accepted")
	}
	if err := Scale("galaxy", 1, func(Line) error { return nil }); err == nil {
		t.Errorf("unknown size accepted by Scale")
	}
}

// TestScaleCityStopsOnEmitError stops city after its first 100k lines: the
// error from emit must come back unchanged (speed: BenchmarkScaleRecords).
func TestScaleCityStopsOnEmitError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := Scale("city", 1, func(Line) error {
		if n++; n == 100_000 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("got %v, want the emit error", err)
	}
}

// BenchmarkScaleRecords measures the record hot loop of city: run with
// -bench ScaleRecords; b.N records.
func BenchmarkScaleRecords(b *testing.B) {
	g := shape(plans[1])
	g.seed = 1
	g.prepare()
	g.p.records = b.N
	g.nDemands = (b.N + demandEvery - 1) / demandEvery
	b.ResetTimer()
	if err := g.records(func(Line) error { return nil }); err != nil {
		b.Fatal(err)
	}
}
