package rollup

import (
	"slices"
	"testing"
	"time"
)

func TestServiceRecordKeys(t *testing.T) {
	sh := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, Zone) }
	for _, c := range []struct {
		at   time.Time
		want []string
	}{
		{sh(2024, 5, 15, 12), []string{"2024-05"}},
		{sh(2024, 1, 1, 0), []string{"2023-12", "2024-01"}},
		{sh(2023, 12, 31, 23), []string{"2023-12", "2024-01"}},
		{sh(2024, 2, 28, 12), []string{"2024-02"}},
		{time.Date(1988, 7, 31, 15, 30, 0, 0, time.UTC), []string{"1988-07", "1988-08"}}, // 00:30 on 1 August, summer time
	} {
		var ch Changes
		ch.ServiceRecord(7, "/1/", c.at)
		var got []string
		for k := range ch.records {
			got = append(got, monthLabel(k.month))
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: keys %v, want %v", c.at, got, c.want)
		}
	}
}
