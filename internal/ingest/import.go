package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/civicgraph/civicgraph/internal/store"
)

// DefaultMaxErrors is how many bad lines an import lists when
// Options.MaxErrors is zero; past it they are only counted.
const DefaultMaxErrors = 1000

// Options tune an import.
type Options struct {
	// Progress, when it is a terminal, gets a progress line redrawn in place
	// (lines or bytes done, rate). Anything else (a file, a pipe, nil) gets
	// nothing, so logs stay clean.
	Progress io.Writer
	// MaxErrors is how many bad lines are listed (default 1000); all are
	// counted.
	MaxErrors int
}

// Report says what an import wrote.
type Report struct {
	Lines  int            // lines read (blank lines aside)
	ByType map[string]int // rows upserted per type (a code given twice in one batch counts once)
}

// Import reads NDJSON from r and writes it to db in one transaction: all or
// nothing. Lines may come in any order. When any line is bad the result is a
// *LineErrors naming every bad line, and nothing was changed; any other
// error is the store's or the input's (wrapped), and nothing was changed
// either.
func Import(ctx context.Context, db *store.DB, r io.Reader, opt Options) (*Report, error) {
	src, err := openSource(r)
	if err != nil {
		return nil, err
	}
	defer src.close()
	prog := newProgress(opt.Progress)
	defer prog.end()
	probs := newProblems(opt.MaxErrors)
	var d decoder
	idx, lines, err := pass1(ctx, src, &d, probs, prog)
	if err != nil {
		return nil, err
	}
	report := &Report{Lines: lines, ByType: map[string]int{}}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		restore, err := tuneForImport(ctx, tx)
		if err != nil {
			return err
		}
		defer restore()
		w := newWriter(ctx, tx, probs, report, prog)
		w.bulk = true
		for i := range idx {
			w.expect[i] = len(idx[i].off)
		}
		if err := pass2(ctx, src, idx, &d, w, probs); err != nil {
			return err
		}
		if err := w.finish(); err != nil {
			return err
		}
		if err := probs.err(); err != nil {
			return err
		}
		return w.complete()
	})
	if err != nil {
		return nil, err
	}
	return report, nil
}

// pass1 validates every line and notes where the good ones are, by type.
func pass1(ctx context.Context, src *source, d *decoder, probs *problems, prog *progress) ([]lineIndex, int, error) {
	idx := make([]lineIndex, len(entities))
	var (
		o     rawObject
		rec   record
		lines int
	)
	prog.phase("reading", src.size, "bytes")
	err := readLines(ctx, src.in, prog, func(line []byte, off int64, num int, tooLong bool) error {
		if tooLong {
			lines++
			probs.add(num, nil, "", fmt.Sprintf("the line is longer than %d MiB", maxLine>>20))
			return nil
		}
		if len(bytes.TrimSpace(line)) == 0 {
			return nil
		}
		lines++
		if err := parseObject(line, &o); err != nil {
			probs.add(num, nil, "", err.Error())
			return nil
		}
		e, bad := typeOf(&o)
		if bad == nil {
			bad = d.decode(&o, e, num, &rec)
		}
		if bad != nil {
			probs.addBad(num, bad)
			return nil
		}
		idx[e.index].add(off, len(line), num)
		return nil
	})
	if err == nil {
		err = src.endPass1()
	}
	return idx, lines, err
}

// pass2 hands the good lines to the writer, type by type in dependency order.
func pass2(ctx context.Context, src *source, idx []lineIndex, d *decoder, w *writer, probs *problems) error {
	lr := newLineReader(src)
	var (
		o     rawObject
		total int64
	)
	for i := range idx {
		total += int64(len(idx[i].off))
	}
	w.prog.phase("writing", total, "lines")
	for _, e := range entities {
		x := &idx[e.index]
		for i := range x.off {
			if i%4096 == 4095 {
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("import: %w", err)
				}
			}
			line, err := lr.line(x.off[i], int(x.size[i]))
			if err != nil {
				return err
			}
			num := int(x.num[i])
			if err := parseObject(line, &o); err != nil { // the input changed between the passes
				probs.add(num, e, "", err.Error())
				continue
			}
			rec, err := w.slot(e)
			if err != nil {
				return err
			}
			if bad := d.decode(&o, e, num, rec); bad != nil {
				probs.addBad(num, bad)
				continue
			}
			if err := w.commit(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// ImportLines writes lines that arrive in dependency order (a line refers
// only to codes of earlier lines or of rows already stored), as the seed
// generators produce them: one pass, streaming, with the validation, the
// single transaction, the Report and the errors of Import. produce is called
// once with an emit callback; emit returns an error only when the import
// cannot go on (the store failed or ctx ended), and produce should then
// stop and return it.
func ImportLines(ctx context.Context, db *store.DB, produce func(emit func(map[string]any) error) error, opt Options) (*Report, error) {
	prog := newProgress(opt.Progress)
	defer prog.end()
	prog.phase("writing", -1, "lines")
	probs := newProblems(opt.MaxErrors)
	report := &Report{ByType: map[string]int{}}
	var d decoder
	err := db.InTx(ctx, func(tx *store.Tx) error {
		restore, err := tuneForImport(ctx, tx)
		if err != nil {
			return err
		}
		defer restore()
		w := newWriter(ctx, tx, probs, report, prog)
		w.bulk = true
		var o rawObject
		emit := func(m map[string]any) error {
			report.Lines++
			num := report.Lines
			if num%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("import: %w", err)
				}
			}
			if err := fromMap(m, &o); err != nil {
				probs.add(num, nil, "", err.Error())
				return nil
			}
			e, bad := typeOf(&o)
			if bad != nil {
				probs.addBad(num, bad)
				return nil
			}
			rec, err := w.slot(e)
			if err != nil {
				return err
			}
			if bad := d.decode(&o, e, num, rec); bad != nil {
				probs.addBad(num, bad)
				return nil
			}
			return w.commit(e)
		}
		err = produce(emit)
		if w.fatal != nil {
			return w.fatal
		}
		if err != nil {
			return fmt.Errorf("import: produce lines: %w", err)
		}
		if err := w.finish(); err != nil {
			return err
		}
		if err := probs.err(); err != nil {
			return err
		}
		return w.complete()
	})
	if err != nil {
		return nil, err
	}
	return report, nil
}
