package ingest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/civicgraph/civicgraph/internal/store"
	"github.com/civicgraph/civicgraph/internal/storetest"
)

// Sizes of the synthetic world the service records refer to.
const (
	genStreets     = 10
	genCommunities = 200
	genPeople      = 2000
	genOrgs        = 100
)

// writeRecords writes n service records (codes SR-<from>...) and, after
// them, the regions, communities, categories, organizations and people they
// refer to, so that the importer has to order them.
func writeRecords(w io.Writer, from, n int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var line []byte
	for i := from; i < from+n; i++ {
		line = append(line[:0], `{"type":"ServiceRecord","code":"SR-`...)
		line = strconv.AppendInt(line, int64(i), 10)
		line = append(line, `","community":"GC-`...)
		line = strconv.AppendInt(line, int64(i%genCommunities), 10)
		line = append(line, `","category":"GCAT-`...)
		line = strconv.AppendInt(line, int64(i%3), 10)
		line = fmt.Appendf(line, `","occurredAt":"2022-%02d-%02dT%02d:%02d:00+08:00","peopleServed":`, 1+i%12, 1+i%28, i%24, i%60)
		line = strconv.AppendInt(line, int64(i%7), 10)
		line = append(line, `,"resolved":`...)
		line = strconv.AppendBool(line, i%3 == 0)
		line = append(line, `,"provider":"GORG-`...)
		line = strconv.AppendInt(line, int64(i%genOrgs), 10)
		line = append(line, `","recipient":"GP-`...)
		line = strconv.AppendInt(line, int64(i%genPeople), 10)
		line = append(line, "\"}\n"...)
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	fmt.Fprintln(bw, `{"type":"Region","code":"G-CITY","name":"市","level":"CITY"}`)
	for i := range genStreets {
		fmt.Fprintf(bw, `{"type":"Region","code":"G-ST-%d","name":"街道%d","level":"STREET","parent":"G-CITY"}`+"\n", i, i)
	}
	for i := range genCommunities {
		fmt.Fprintf(bw, `{"type":"Community","code":"GC-%d","name":"社区%d","kind":"VILLAGE","region":"G-ST-%d"}`+"\n", i, i, i%genStreets)
	}
	for i := range 3 {
		fmt.Fprintf(bw, `{"type":"ServiceCategory","code":"GCAT-%d","name":"类%d"}`+"\n", i, i)
	}
	for i := range genOrgs {
		fmt.Fprintf(bw, `{"type":"Organization","code":"GORG-%d","name":"单位%d","kind":"ENTERPRISE","community":"GC-%d"}`+"\n", i, i, i)
	}
	for i := range genPeople {
		fmt.Fprintf(bw, `{"type":"Person","code":"GP-%d","name":"居民%d","community":"GC-%d","roles":["RESIDENT"]}`+"\n", i, i, i%genCommunities)
	}
	return bw.Flush()
}

// recordsReader streams writeRecords without holding the text: a stream,
// so the import spools it.
func recordsReader(n int) io.Reader {
	r, w := io.Pipe()
	go func() { w.CloseWithError(writeRecords(w, 0, n)) }()
	return r
}

// 200,000 service records on both backends: every row arrives, with the
// region path of its community.
func TestImportManyServiceRecords(t *testing.T) {
	const n = 200_000
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		rep, err := Import(ctx, db, recordsReader(n), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.ByType["ServiceRecord"] != n || rep.Lines != n+1+genStreets+genCommunities+3+genOrgs+genPeople {
			t.Errorf("report: %d lines, %v", rep.Lines, rep.ByType)
		}
		if got := queryInt(t, db, "SELECT count(*) FROM service_records"); got != n {
			t.Errorf("%d service records, want %d", got, n)
		}
		want := 0
		for i := range n {
			want += i % 7
		}
		if got := queryInt(t, db, "SELECT sum(people_served) FROM service_records"); got != want {
			t.Errorf("people served = %d, want %d", got, want)
		}
		if got := queryInt(t, db, "SELECT count(*) FROM service_records WHERE recipient_id IS NULL OR provider_id IS NULL OR category_id IS NULL"); got != 0 {
			t.Errorf("%d records lost a reference", got)
		}
		if got := queryInt(t, db, pathChecks["service_records"]); got != 0 {
			t.Errorf("%d records with a wrong region path", got)
		}
	})
}

// BenchmarkImportServiceRecords imports b.N service records (plus the
// communities, people, ... they refer to) into an empty store, from a file.
// Run with -benchtime=1000000x for a million.
func BenchmarkImportServiceRecords(b *testing.B) {
	for _, d := range storetest.Backends {
		b.Run(d.String(), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "records.ndjson")
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			if err := writeRecords(f, 0, b.N); err != nil {
				b.Fatal(err)
			}
			f.Close()
			db := storetest.Open(b, d)
			in, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer in.Close()
			b.ResetTimer()
			rep, err := Import(ctx, db, in, Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if rep.ByType["ServiceRecord"] != b.N {
				b.Fatalf("%d records written, want %d", rep.ByType["ServiceRecord"], b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
