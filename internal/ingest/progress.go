package ingest

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// An import of a million lines takes a while; on a terminal it shows how far
// it got. Anything that is not a terminal gets nothing, so that redirected
// output and CI logs are not filled with carriage returns.

// progress draws one status line, redrawn at most every redrawEvery. A nil
// *progress (progress off) ignores every call.
type progress struct {
	w     io.Writer
	label string
	unit  string
	total int64 // -1 when unknown
	done  int64
	start time.Time
	last  time.Time
	ticks int
	drawn bool
	now   func() time.Time
}

const redrawEvery = 200 * time.Millisecond

// newProgress returns a progress drawing on w when w is a terminal, else nil.
func newProgress(w io.Writer) *progress {
	if !isTerminal(w) {
		return nil
	}
	return &progress{w: w, now: time.Now}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// phase starts counting a new phase of total units (-1: unknown).
func (p *progress) phase(label string, total int64, unit string) {
	if p == nil {
		return
	}
	if p.drawn {
		p.draw(true)
	}
	p.label, p.total, p.unit, p.done = label, total, unit, 0
	p.start = p.now()
	p.last = time.Time{}
}

// add counts n more units done.
func (p *progress) add(n int64) {
	if p == nil {
		return
	}
	p.done += n
	if p.ticks++; p.ticks%256 != 0 {
		return
	}
	if now := p.now(); now.Sub(p.last) >= redrawEvery {
		p.last = now
		p.draw(false)
	}
}

// end draws the final state and ends the line.
func (p *progress) end() {
	if p == nil || p.label == "" {
		return
	}
	p.draw(true)
}

// draw writes the status line; final ends it with a newline.
func (p *progress) draw(final bool) {
	elapsed := p.now().Sub(p.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.done) / elapsed
	}
	fmt.Fprint(p.w, "\r\x1b[K", p.status(rate))
	p.drawn = true
	if final {
		fmt.Fprint(p.w, "\n")
		p.drawn = false
	}
}

// status is the text of the line: "writing  [#####.....]  52%  520,000/1,000,000 lines  41,000 lines/s".
func (p *progress) status(rate float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s", p.label)
	amount := func(n int64) string {
		if p.unit == "bytes" {
			return fmt.Sprintf("%.1f MB", float64(n)/1e6)
		}
		return group(n)
	}
	if p.total > 0 {
		frac := min(float64(p.done)/float64(p.total), 1)
		bar := int(frac * 20)
		fmt.Fprintf(&b, " [%s%s] %3.0f%%  %s of %s", strings.Repeat("#", bar), strings.Repeat(".", 20-bar), frac*100, amount(p.done), amount(p.total))
	} else {
		fmt.Fprintf(&b, " %s", amount(p.done))
	}
	if p.unit != "bytes" {
		b.WriteString(" " + p.unit)
	}
	fmt.Fprintf(&b, "  %s/s", amount(int64(rate)))
	if p.unit != "bytes" {
		b.WriteString(" " + p.unit)
	}
	return b.String()
}

// group writes n with thousands separators: 1,234,567.
func group(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
