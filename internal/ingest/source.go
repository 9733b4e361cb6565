package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// Import reads its input twice: pass 1 validates every line and notes where
// each good line starts; pass 2 writes the lines type by type, re-reading
// them by offset. Memory is then what the notes take (16 bytes a line), not
// what the lines take. A regular file (or anything else that can be read at
// an offset) is read in place; a stream such as standard input is copied to
// a temporary file during pass 1.

// maxLine bounds one line, so that a file without newlines cannot take all
// memory. A real line is a few hundred bytes.
const maxLine = 64 << 20

// source is the input, readable by offset.
type source struct {
	in    io.Reader   // what pass 1 reads
	ra    io.ReaderAt // what pass 2 reads
	base  int64       // offset of the input's first byte in ra
	size  int64       // input size, -1 when unknown (a stream)
	spool *os.File
	tee   *bufio.Writer
}

// openSource prepares r for two passes.
func openSource(r io.Reader) (*source, error) {
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			if base, err := f.Seek(0, io.SeekCurrent); err == nil {
				return &source{in: f, ra: f, base: base, size: st.Size() - base}, nil
			}
		}
	} else if rs, ok := r.(interface {
		io.ReaderAt
		io.Seeker
	}); ok {
		base, err := rs.Seek(0, io.SeekCurrent)
		if err == nil {
			end, err := rs.Seek(0, io.SeekEnd)
			if err == nil {
				if _, err := rs.Seek(base, io.SeekStart); err == nil {
					return &source{in: r, ra: rs, base: base, size: end - base}, nil
				}
			}
		}
	}
	spool, err := os.CreateTemp("", "civicgraph-import-*.ndjson")
	if err != nil {
		return nil, fmt.Errorf("import: spool the input: %w", err)
	}
	tee := bufio.NewWriterSize(spool, 1<<20)
	return &source{in: io.TeeReader(r, tee), ra: spool, size: -1, spool: spool, tee: tee}, nil
}

// endPass1 makes the spooled copy complete.
func (s *source) endPass1() error {
	if s.tee == nil {
		return nil
	}
	if err := s.tee.Flush(); err != nil {
		return fmt.Errorf("import: spool the input: %w", err)
	}
	return nil
}

// close removes the spool file, if any.
func (s *source) close() {
	if s.spool != nil {
		name := s.spool.Name()
		s.spool.Close()
		os.Remove(name)
	}
}

// lineIndex notes the good lines of one type: where each starts, how long
// it is and its line number.
type lineIndex struct {
	off  []int64
	size []uint32
	num  []int32
}

func (x *lineIndex) add(off int64, size, num int) {
	x.off = append(x.off, off)
	x.size = append(x.size, uint32(size))
	x.num = append(x.num, int32(num))
}

// readLines calls fn for every line of in with its offset and 1-based
// number; the line has no line ending and is only valid during the call.
// A line longer than maxLine is passed as nil, with tooLong set.
func readLines(ctx context.Context, in io.Reader, prog *progress, fn func(line []byte, off int64, num int, tooLong bool) error) error {
	br := bufio.NewReaderSize(in, 1<<20)
	var (
		off     int64
		num     int
		long    []byte
		size    int
		tooLong bool
	)
	for {
		chunk, err := br.ReadSlice('\n')
		size += len(chunk)
		if errors.Is(err, bufio.ErrBufferFull) {
			if tooLong = tooLong || len(long)+len(chunk) > maxLine; !tooLong {
				long = append(long, chunk...)
			}
			continue
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("import: read: %w", err)
		}
		line := chunk
		if len(long) > 0 {
			line = append(long, chunk...)
		}
		if size > 0 {
			num++
			start := off
			line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
			if num == 1 && bytes.HasPrefix(line, bom) {
				line, start = line[len(bom):], start+int64(len(bom))
			}
			if tooLong {
				line = nil
			}
			if err := fn(line, start, num, tooLong); err != nil {
				return err
			}
			off += int64(size)
			prog.add(int64(size))
			if num%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("import: %w", err)
				}
			}
		}
		long, size, tooLong = long[:0], 0, false
		if err == io.EOF {
			return nil
		}
	}
}

// bom is the UTF-8 byte order mark some editors put first in a file.
var bom = []byte("\xef\xbb\xbf")

// lineReader reads noted lines back through a window over the input: the
// lines of one type come in file order, so most reads are in the window.
type lineReader struct {
	ra   io.ReaderAt
	base int64
	buf  []byte
	off  int64 // input offset of buf[0]
	n    int   // bytes of buf that hold input
}

func newLineReader(s *source) *lineReader {
	return &lineReader{ra: s.ra, base: s.base, buf: make([]byte, 1<<20)}
}

// line returns the size bytes at off; valid until the next call.
func (lr *lineReader) line(off int64, size int) ([]byte, error) {
	if off >= lr.off && off+int64(size) <= lr.off+int64(lr.n) {
		s := off - lr.off
		return lr.buf[s : s+int64(size)], nil
	}
	buf := lr.buf
	if size > len(buf) {
		buf = make([]byte, size)
	}
	n, err := lr.ra.ReadAt(buf, lr.base+off)
	if n < size {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("import: read the input again: %w", err)
	}
	if size <= len(lr.buf) {
		lr.off, lr.n = off, n
	}
	return buf[:size], nil
}
