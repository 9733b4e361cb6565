package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // counts the records of a SQLite store
)

// importResult is one import measurement (import.<backend>.json).
type importResult struct {
	Backend    string    `json:"backend"` // postgresql, sqlite
	Database   string    `json:"database"`
	Base       string    `json:"base"` // what the database held before: a copy of ...
	Command    string    `json:"command"`
	Started    time.Time `json:"started"`
	Records    int64     `json:"records"` // lines in the file = records added
	Before     int64     `json:"before"`
	After      int64     `json:"after"`
	WallSec    float64   `json:"wallSec"`
	RecPerSec  float64   `json:"recPerSec"`
	PeakRSSKiB int64     `json:"peakRssKiB"`
	// Verified: `civicgraph rollup verify` found the roll-ups equal to a
	// recount of the base tables after the import (VerifySec, not part of
	// the import's time).
	Verified  bool    `json:"verified"`
	VerifySec float64 `json:"verifySec,omitempty"`
}

// runImport times `civicgraph import FILE` into a database: wall clock
// from start to exit (the whole command: migrations check, reading,
// validation, the upserts, the roll-ups, the commit) and the process's peak
// RSS; it checks that the database gained exactly the file's records and,
// with -verify, that the roll-ups still equal a recount.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", stderr)
	bin := fs.String("civicgraph", "", "the civicgraph binary")
	dbURL := fs.String("database", "", "the database to import into (postgres://... or sqlite:PATH)")
	file := fs.String("file", "", "the records-only NDJSON file (civicbench records)")
	base := fs.String("base", "", "what the database held before, for the report")
	out := fs.String("out", "", "the result file")
	verify := fs.Bool("verify", true, "run `civicgraph rollup verify` after the import")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]*string{"civicgraph": bin, "database": dbURL, "file": file, "out": out}); err != nil {
		return err
	}
	res := importResult{Database: *dbURL, Base: *base, Started: time.Now().UTC(),
		Command: fmt.Sprintf("civicgraph import --database '%s' %s", *dbURL, *file)}
	switch {
	case strings.HasPrefix(*dbURL, "postgres"):
		res.Backend = "postgresql"
	case strings.HasPrefix(*dbURL, "sqlite:"):
		res.Backend = "sqlite"
	default:
		return usageError{"-database must be postgres://... or sqlite:PATH"}
	}
	// Migrate first, untimed: import migrates too, and a store copied from
	// an older run may have migrations to apply.
	if b, err := exec.CommandContext(ctx, *bin, "migrate", "--database", *dbURL).CombinedOutput(); err != nil {
		return fmt.Errorf("civicgraph migrate before the import (%v): %s", err, lastLines(string(b), 5))
	}
	lines, err := countLines(*file)
	if err != nil {
		return err
	}
	res.Records = lines
	if res.Before, err = countRecords(ctx, *dbURL); err != nil {
		return err
	}

	fmt.Fprintf(stdout, "import: %d records into %s (%s)\n", lines, *dbURL, *base)
	var log bytes.Buffer
	cmd := exec.CommandContext(ctx, *bin, "import", "--database", *dbURL, *file)
	cmd.Stdout, cmd.Stderr = &log, &log
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	os.WriteFile(strings.TrimSuffix(*out, ".json")+".log", log.Bytes(), 0o644)
	if err != nil {
		return fmt.Errorf("civicgraph import failed (%v): %s", err, lastLines(log.String(), 5))
	}
	res.WallSec = wall.Seconds()
	res.RecPerSec = float64(lines) / wall.Seconds()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.PeakRSSKiB = ru.Maxrss // kilobytes on Linux
	}
	if res.After, err = countRecords(ctx, *dbURL); err != nil {
		return err
	}
	if res.After-res.Before != lines {
		return fmt.Errorf("the import added %d service records, the file has %d", res.After-res.Before, lines)
	}
	fmt.Fprintf(stdout, "import: %d records in %.2f s = %.0f records/s, peak RSS %.1f MiB\n", lines, res.WallSec, res.RecPerSec, float64(res.PeakRSSKiB)/1024)
	if *verify {
		var vlog bytes.Buffer
		v := exec.CommandContext(ctx, *bin, "rollup", "verify", "--database", *dbURL)
		v.Stdout, v.Stderr = &vlog, &vlog
		vstart := time.Now()
		if err := v.Run(); err != nil {
			return fmt.Errorf("civicgraph rollup verify after the import (%v): %s", err, lastLines(vlog.String(), 5))
		}
		res.Verified, res.VerifySec = true, time.Since(vstart).Seconds()
		fmt.Fprintf(stdout, "import: roll-ups verified in %.1f s (%s)\n", res.VerifySec, strings.TrimSpace(vlog.String()))
	}
	return writeJSON(*out, res)
}

func countLines(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n int64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			n++
		}
	}
	return n, sc.Err()
}

// countRecords counts the service records of a PostgreSQL or SQLite store.
func countRecords(ctx context.Context, url string) (int64, error) {
	const q = "SELECT count(*) FROM service_records"
	var n int64
	if path, ok := strings.CutPrefix(url, "sqlite:"); ok {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			return 0, err
		}
		defer db.Close()
		err = db.QueryRowContext(ctx, q).Scan(&n)
		return n, err
	}
	db, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, err
	}
	defer db.Close(context.WithoutCancel(ctx))
	err = db.QueryRow(ctx, q).Scan(&n)
	return n, err
}
