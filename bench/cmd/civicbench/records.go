package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
)

// runRecords writes the import workload's file: -n service records, and
// nothing else, as NDJSON. They are the database's own records, read with
// `civicgraph export --type ServiceRecord` (so every reference - community,
// category, provider, people, event, alliance, demand - exists in that
// database and in a copy of it), each under a new code: prefix + pass + "-"
// + its code ("IMP1-SR-1234"), so importing the file into a copy of the
// database inserts n new records and updates nothing. When the database has
// fewer than n records the file goes round them again with the next pass
// number. The export is stopped once n lines are written.
func runRecords(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("records", stderr)
	bin := fs.String("civicgraph", "", "the civicgraph binary")
	dbURL := fs.String("database", "", "the database whose records to copy (postgres://... or sqlite:PATH)")
	n := fs.Int("n", 1_000_000, "records to write")
	prefix := fs.String("prefix", "IMP", "code prefix of the new records")
	out := fs.String("out", "", "the NDJSON file to write")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]*string{"civicgraph": bin, "database": dbURL, "out": out}); err != nil {
		return err
	}
	if *n < 1 {
		return usageError{"-n must be at least 1"}
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	src, err := os.CreateTemp("", "civicbench-records-*.ndjson")
	if err != nil {
		return err
	}
	defer os.Remove(src.Name())
	defer src.Close()

	// Pass 1 from the export, keeping the lines in src for further passes.
	cmd := exec.CommandContext(ctx, *bin, "export", "--type", "ServiceRecord", "--database", *dbURL)
	var exportErr bytes.Buffer
	cmd.Stderr = &exportErr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	srcW := bufio.NewWriterSize(src, 1<<20)
	written, read, err := recode(pipe, w, srcW, *prefix+"1-", *n)
	stopped := written == *n
	if stopped {
		_ = cmd.Process.Kill()
	}
	waitErr := cmd.Wait()
	if err != nil {
		return err
	}
	if !stopped && waitErr != nil {
		return fmt.Errorf("civicgraph export: %v: %s", waitErr, lastLines(exportErr.String(), 5))
	}
	if read == 0 {
		return fmt.Errorf("the database %s has no service records to copy", *dbURL)
	}
	passes := 1
	if written < *n {
		if err := srcW.Flush(); err != nil {
			return err
		}
		for pass := 2; written < *n; pass++ {
			if _, err := src.Seek(0, io.SeekStart); err != nil {
				return err
			}
			k, _, err := recode(src, w, nil, *prefix+strconv.Itoa(pass)+"-", *n-written)
			if err != nil {
				return err
			}
			written += k
			passes = pass
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "records: wrote %d service records to %s (%d of the database's records, %d pass(es), codes %s<pass>-<code>)\n",
		written, *out, read, passes, *prefix)
	return nil
}

// recode copies up to max ServiceRecord lines from r to w under new codes
// (prefix + code), and the original lines to keep when it is not nil. It
// returns the lines written and read.
func recode(r io.Reader, w, keep *bufio.Writer, prefix string, max int) (written, read int, err error) {
	br := bufio.NewReaderSize(r, 1<<20)
	for written < max {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			read++
			if keep != nil {
				if _, err := keep.Write(line); err != nil {
					return written, read, err
				}
				if line[len(line)-1] != '\n' {
					keep.WriteByte('\n')
				}
			}
			out, rerr := recodeLine(bytes.TrimSpace(line), prefix)
			if rerr != nil {
				return written, read, fmt.Errorf("line %d: %w", read, rerr)
			}
			w.Write(out)
			w.WriteByte('\n')
			written++
		}
		if errors.Is(err, io.EOF) {
			return written, read, nil
		}
		if err != nil {
			return written, read, err
		}
	}
	return written, read, nil
}

// recodeLine gives one exported ServiceRecord line a new code.
func recodeLine(line []byte, prefix string) ([]byte, error) {
	var rec struct {
		Type string `json:"type"`
		Code string `json:"code"`
	}
	if err := json.Unmarshal(line, &rec); err != nil {
		return nil, err
	}
	if rec.Type != "ServiceRecord" || rec.Code == "" {
		return nil, fmt.Errorf("not a service record with a code: %.120s", line)
	}
	oldCode, _ := json.Marshal(rec.Code)
	newCode, _ := json.Marshal(prefix + rec.Code)
	key := []byte(`"code":`)
	i := bytes.Index(line, append(key, oldCode...))
	if i < 0 {
		return nil, fmt.Errorf("cannot find the code in %.120s", line)
	}
	out := make([]byte, 0, len(line)+len(prefix))
	out = append(out, line[:i+len(key)]...)
	out = append(out, newCode...)
	out = append(out, line[i+len(key)+len(oldCode):]...)
	return out, nil
}
