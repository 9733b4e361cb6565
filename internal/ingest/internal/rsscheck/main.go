// Throwaway: measures import throughput and memory for N service records.
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/store"
)

func main() {
	url, n := os.Args[1], 1_000_000
	if len(os.Args) > 2 {
		n, _ = strconv.Atoi(os.Args[2])
	}
	path := os.Getenv("RECORDS")
	if _, err := os.Stat(path); err != nil {
		f, _ := os.Create(path)
		w := bufio.NewWriterSize(f, 1<<16)
		for i := range n {
			fmt.Fprintf(w, `{"type":"ServiceRecord","code":"SR-%d","community":"GC-%d","category":"GCAT-%d","occurredAt":"2022-%02d-%02dT%02d:%02d:00+08:00","peopleServed":%d,"resolved":%t,"provider":"GORG-%d","recipient":"GP-%d"}`+"\n",
				i, i%200, i%3, 1+i%12, 1+i%28, i%24, i%60, i%7, i%3 == 0, i%100, i%20000)
		}
		fmt.Fprintln(w, `{"type":"Region","code":"G-CITY","name":"市","level":"CITY"}`)
		for i := range 10 {
			fmt.Fprintf(w, `{"type":"Region","code":"G-ST-%d","name":"s","level":"STREET","parent":"G-CITY"}`+"\n", i)
		}
		for i := range 200 {
			fmt.Fprintf(w, `{"type":"Community","code":"GC-%d","name":"c","kind":"VILLAGE","region":"G-ST-%d"}`+"\n", i, i%10)
		}
		for i := range 3 {
			fmt.Fprintf(w, `{"type":"ServiceCategory","code":"GCAT-%d","name":"k"}`+"\n", i)
		}
		for i := range 100 {
			fmt.Fprintf(w, `{"type":"Organization","code":"GORG-%d","name":"o","kind":"ENTERPRISE","community":"GC-%d"}`+"\n", i, i)
		}
		for i := range 20000 {
			fmt.Fprintf(w, `{"type":"Person","code":"GP-%d","name":"p","community":"GC-%d","roles":["RESIDENT"]}`+"\n", i, i%200)
		}
		w.Flush()
		f.Close()
	}
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		panic(err)
	}
	if _, err := db.Migrate(ctx, 0); err != nil {
		panic(err)
	}
	if os.Getenv("EXPORT") != "" {
		start := time.Now()
		out, _ := os.Create(os.Getenv("EXPORT"))
		if err := ingest.Export(ctx, db, out, nil); err != nil {
			panic(err)
		}
		out.Close()
		fmt.Printf("export in %s\n", time.Since(start).Round(time.Millisecond))
		return
	}
	in, _ := os.Open(path)
	var r = any(in)
	if os.Getenv("STDIN") != "" {
		r = bufio.NewReader(in) // not seekable: spooled
	}
	start := time.Now()
	rep, err := ingest.Import(ctx, db, r.(interface{ Read([]byte) (int, error) }), ingest.Options{Progress: os.Stderr})
	if err != nil {
		panic(err)
	}
	el := time.Since(start)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("%d records in %s: %.0f records/s; Go heap sys %d MB, total alloc %d MB, GCs %d\n",
		rep.ByType["ServiceRecord"], el.Round(time.Millisecond), float64(rep.ByType["ServiceRecord"])/el.Seconds(), ms.HeapSys>>20, ms.TotalAlloc>>20, ms.NumGC)
}
