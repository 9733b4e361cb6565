package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/civicgraph/civicgraph/internal/ingest"
)

// format is one way of writing an export.
type format struct {
	ext, contentType string
	encoder          func(typeName string, buf *bytes.Buffer) encoder
}

// encoder writes rows into a buffer that the stream empties into the
// response between chunks.
type encoder interface {
	row(r *ingest.Row) error
	// flush completes what the encoder holds in buf.
	flush() error
}

var formats = map[string]format{
	"ndjson": {ext: "ndjson", contentType: "application/x-ndjson", encoder: newNDJSON},
	"csv":    {ext: "csv", contentType: "text/csv; charset=utf-8", encoder: newCSV},
}

// ndjson writes the import lines themselves.
type ndjson struct {
	buf  *bytes.Buffer
	line []byte
}

func newNDJSON(_ string, buf *bytes.Buffer) encoder { return &ndjson{buf: buf} }

func (n *ndjson) row(r *ingest.Row) error {
	var err error
	if n.line, err = r.AppendLine(n.line[:0]); err != nil {
		return err
	}
	n.buf.Write(n.line)
	return nil
}

func (n *ndjson) flush() error { return nil }

// csvEncoder writes one record per line with the line's keys as columns, in
// the type's fixed order: type, code, then its fields as Export orders
// them. Relations are codes, lists are joined with ";", an absent value
// is empty. The values are the line's own (read back from it), so the two
// formats cannot disagree on a value's text.
type csvEncoder struct {
	typeName string
	columns  []string
	w        *csv.Writer
	line     []byte
	record   []string
}

func newCSV(typeName string, buf *bytes.Buffer) encoder {
	c := &csvEncoder{typeName: typeName, columns: ingest.Fields(typeName), w: csv.NewWriter(buf)}
	c.record = make([]string, 2+len(c.columns))
	_ = c.w.Write(append([]string{"type", "code"}, c.columns...))
	return c
}

func (c *csvEncoder) row(r *ingest.Row) error {
	var err error
	if c.line, err = r.AppendLine(c.line[:0]); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(c.line))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return fmt.Errorf("read back line: %w", err)
	}
	c.record[0], c.record[1] = c.typeName, r.Code()
	for i, name := range c.columns {
		c.record[2+i] = cell(m[name])
	}
	return c.w.Write(c.record)
}

func (c *csvEncoder) flush() error {
	c.w.Flush()
	return c.w.Error()
}

// cell is one JSON value of a line as CSV text.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, it := range x {
			parts[i] = cell(it)
		}
		return strings.Join(parts, ";")
	}
	return fmt.Sprint(v)
}
