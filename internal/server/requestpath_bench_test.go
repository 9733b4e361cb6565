//go:build unix

package server_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/server"
	"github.com/civicgraph/civicgraph/internal/store"
)

// BenchmarkRequestPath drives issue 6's workloads through the whole HTTP
// request path (server.New as `serve --response-cache-mb 0 --rate-limit -1`
// builds it, with an API key) over real loopback HTTP from 8 concurrent
// clients (issue 6's load), each with its own keep-alive connection, so
// that -cpuprofile and -memprofile show where a request's time goes. It
// needs a seeded database and pglcheck's request bodies, so it runs only
// when both are named:
//
//	CIVICGRAPH_BENCH_DATABASE_URL=postgres://.../cg_pgl_small?sslmode=disable \
//	CIVICGRAPH_BENCH_BODIES=/tmp/out \
//	go test -run '^$' -bench RequestPath -benchtime 2000x -cpuprofile cpu.out ./internal/server/
//
// CIVICGRAPH_BENCH_BODIES is pglcheck's -out folder (NAME.civicgraph.json);
// CIVICGRAPH_DIRECT=off measures gqlgen's executor without graph.Direct
// (see directMode), CIVICGRAPH_BENCH_LOG=debug shows the server's debug log.
// Besides ns/op (8 clients, so 1/throughput) it reports the process's CPU
// per request (server and clients, not PostgreSQL's), steadier than the
// wall clock on a shared machine, and the statements one request runs.
func BenchmarkRequestPath(b *testing.B) {
	url, dir := os.Getenv("CIVICGRAPH_BENCH_DATABASE_URL"), os.Getenv("CIVICGRAPH_BENCH_BODIES")
	if url == "" || dir == "" {
		b.Skip("set CIVICGRAPH_BENCH_DATABASE_URL and CIVICGRAPH_BENCH_BODIES")
	}
	// As serve logs (one line per request), but not onto the benchmark's
	// output.
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(benchLog(), &slog.HandlerOptions{Level: benchLevel()})))
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	key, _, err := auth.Create(ctx, db, "bench-request-path-"+time.Now().UTC().Format("20060102T150405.000000000"), auth.Admin, auth.Scope{}, false)
	if err != nil {
		b.Fatal(err)
	}
	authn, err := auth.NewAuthenticator(auth.Config{DB: db})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(server.New(server.Config{DB: db, Auth: authn, ResponseCacheBytes: -1, RateLimit: -1}))
	b.Cleanup(srv.Close)
	for _, name := range []string{"nested", "window"} {
		body, err := os.ReadFile(filepath.Join(dir, name+".civicgraph.json"))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			post := func(c *http.Client) []byte {
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+key)
				res, err := c.Do(req)
				if err != nil {
					b.Error(err)
					return nil
				}
				defer res.Body.Close()
				raw, _ := io.ReadAll(res.Body)
				return raw
			}
			want := post(http.DefaultClient)
			if bytes.Contains(want, []byte(`"errors"`)) {
				b.Fatalf("%s: %s", name, want)
			}
			before := db.Statements()
			post(http.DefaultClient)
			stmts := db.Statements() - before
			b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
			cpu0 := processCPU()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}}
				for pb.Next() {
					if got := post(c); !bytes.Equal(got, want) {
						b.Errorf("%s: a different answer: %.200s", name, got)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/req")
			b.ReportMetric(float64(stmts), "stmts/req")
		})
	}
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchLog and benchLevel: CIVICGRAPH_BENCH_LOG=debug shows the server's
// debug log (why graph.Direct handed a field to gqlgen, say) on stderr.
func benchLog() io.Writer {
	if os.Getenv("CIVICGRAPH_BENCH_LOG") == "debug" {
		return os.Stderr
	}
	return io.Discard
}

func benchLevel() slog.Level {
	if os.Getenv("CIVICGRAPH_BENCH_LOG") == "debug" {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}
