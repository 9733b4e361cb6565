package ingest

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// A line is one flat JSON object, and a large import has millions of them,
// each parsed twice (once to validate, once to write). encoding/json would
// build a map and box every value for each; this scanner fills a reusable
// rawObject whose keys and numbers point into the line itself, so that
// parsing costs a few allocations per line (the strings that outlive it).
// It is strict: anything encoding/json rejects, it rejects too, and so are
// invalid UTF-8 and duplicate keys, which encoding/json lets through.

// jsonKind is the JSON type of a value.
type jsonKind uint8

const (
	jNull jsonKind = iota + 1
	jBool
	jNumber
	jString
	jArray
	jObject
)

func (k jsonKind) String() string {
	switch k {
	case jNull:
		return "null"
	case jBool:
		return "a boolean"
	case jNumber:
		return "a number"
	case jString:
		return "a string"
	case jArray:
		return "a list"
	}
	return "an object"
}

// rawValue is one parsed value. Objects nested in a line are checked for
// syntax but not kept: no field takes one.
type rawValue struct {
	kind  jsonKind
	str   string     // jString: the decoded text
	num   []byte     // jNumber: the literal
	b     bool       // jBool
	items []rawValue // jArray
}

// rawObject is one parsed line. Keys alias the line (or a fresh buffer when
// they hold escapes); the object is reused from line to line.
type rawObject struct {
	keys [][]byte
	vals []rawValue
}

func (o *rawObject) reset() {
	o.keys = o.keys[:0]
	o.vals = o.vals[:0]
}

// syntaxError is a line that is not one JSON object.
type syntaxError struct {
	col int
	msg string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at column %d: %s", e.col, e.msg)
}

// maxDepth bounds nesting so that a hostile line cannot exhaust the stack.
const maxDepth = 64

type jsonParser struct {
	b     []byte
	i     int
	depth int
}

// parseObject parses line, which must hold exactly one JSON object, into o.
func parseObject(line []byte, o *rawObject) error {
	o.reset()
	p := jsonParser{b: line}
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return p.fail("a line must be one JSON object")
	}
	p.i++
	p.ws()
	if p.peek() == '}' {
		p.i++
	} else {
		for {
			p.ws()
			if p.peek() != '"' {
				return p.fail("expected a string key")
			}
			key, err := p.str()
			if err != nil {
				return err
			}
			p.ws()
			if p.peek() != ':' {
				return p.fail("expected ':' after a key")
			}
			p.i++
			p.ws()
			v, err := p.value()
			if err != nil {
				return err
			}
			o.keys = append(o.keys, key)
			o.vals = append(o.vals, v)
			p.ws()
			c := p.peek()
			p.i++
			if c == '}' {
				break
			}
			if c != ',' {
				p.i--
				return p.fail("expected ',' or '}'")
			}
		}
	}
	p.ws()
	if p.i < len(p.b) {
		return p.fail("unexpected text after the object")
	}
	return nil
}

func (p *jsonParser) fail(msg string) error {
	if p.i >= len(p.b) && msg != "a line must be one JSON object" {
		msg = "unexpected end of line (" + msg + ")"
	}
	return &syntaxError{col: p.i + 1, msg: msg}
}

func (p *jsonParser) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *jsonParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value() (rawValue, error) {
	switch c := p.peek(); {
	case c == '"':
		s, err := p.str()
		return rawValue{kind: jString, str: string(s)}, err
	case c == '{' || c == '[':
		return p.container()
	case c == 't':
		return rawValue{kind: jBool, b: true}, p.literal("true")
	case c == 'f':
		return rawValue{kind: jBool}, p.literal("false")
	case c == 'n':
		return rawValue{kind: jNull}, p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return rawValue{}, p.fail("expected a value")
}

func (p *jsonParser) literal(word string) error {
	if len(p.b)-p.i < len(word) || string(p.b[p.i:p.i+len(word)]) != word {
		return p.fail("expected a value")
	}
	p.i += len(word)
	return nil
}

// container parses an array (keeping its elements) or a nested object
// (checking it only).
func (p *jsonParser) container() (rawValue, error) {
	if p.depth++; p.depth > maxDepth {
		return rawValue{}, p.fail("nested too deeply")
	}
	defer func() { p.depth-- }()
	open := p.b[p.i]
	closing := byte(']')
	out := rawValue{kind: jArray}
	if open == '{' {
		closing, out.kind = '}', jObject
	}
	p.i++
	p.ws()
	if p.peek() == closing {
		p.i++
		return out, nil
	}
	for {
		p.ws()
		if open == '{' {
			if p.peek() != '"' {
				return out, p.fail("expected a string key")
			}
			if _, err := p.str(); err != nil {
				return out, err
			}
			p.ws()
			if p.peek() != ':' {
				return out, p.fail("expected ':' after a key")
			}
			p.i++
			p.ws()
		}
		v, err := p.value()
		if err != nil {
			return out, err
		}
		if open == '[' {
			out.items = append(out.items, v)
		}
		p.ws()
		c := p.peek()
		if c == closing {
			p.i++
			return out, nil
		}
		if c != ',' {
			return out, p.fail(fmt.Sprintf("expected ',' or '%c'", closing))
		}
		p.i++
	}
}

func (p *jsonParser) number() (rawValue, error) {
	start := p.i
	if p.peek() == '-' {
		p.i++
	}
	switch c := p.peek(); {
	case c == '0':
		p.i++
	case c >= '1' && c <= '9':
		p.digits()
	default:
		return rawValue{}, p.fail("invalid number")
	}
	if p.peek() == '.' {
		p.i++
		if !p.digits() {
			return rawValue{}, p.fail("invalid number")
		}
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.i++
		if c := p.peek(); c == '+' || c == '-' {
			p.i++
		}
		if !p.digits() {
			return rawValue{}, p.fail("invalid number")
		}
	}
	return rawValue{kind: jNumber, num: p.b[start:p.i]}, nil
}

func (p *jsonParser) digits() bool {
	start := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	return p.i > start
}

// str parses a string at p.i. Without escapes the result aliases the line.
func (p *jsonParser) str() ([]byte, error) {
	start := p.i + 1
	for i := start; i < len(p.b); {
		c := p.b[i]
		switch {
		case c == '"':
			p.i = i + 1
			return p.b[start:i], nil
		case c == '\\':
			return p.strEscaped(start)
		case c < 0x20:
			p.i = i
			return nil, p.fail("control character in a string")
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(p.b[i:])
			if r == utf8.RuneError && size == 1 {
				p.i = i
				return nil, p.fail("invalid UTF-8 in a string")
			}
			i += size
		}
	}
	p.i = len(p.b)
	return nil, p.fail("unterminated string")
}

// strEscaped decodes a string holding escapes into a new buffer.
func (p *jsonParser) strEscaped(start int) ([]byte, error) {
	out := make([]byte, 0, 32)
	i := start
	for i < len(p.b) {
		c := p.b[i]
		switch {
		case c == '"':
			p.i = i + 1
			return out, nil
		case c < 0x20:
			p.i = i
			return nil, p.fail("control character in a string")
		case c != '\\':
			r, size := utf8.DecodeRune(p.b[i:])
			if r == utf8.RuneError && size == 1 {
				p.i = i
				return nil, p.fail("invalid UTF-8 in a string")
			}
			out = append(out, p.b[i:i+size]...)
			i += size
			continue
		}
		if i+1 >= len(p.b) {
			break
		}
		e := p.b[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(p.b, i)
			if !ok {
				p.i = i
				return nil, p.fail("invalid \\u escape")
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok := rune(-1), false
				if i+6 <= len(p.b) && p.b[i] == '\\' && p.b[i+1] == 'u' {
					r2, ok = hex4(p.b, i+2)
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			p.i = i - 2 // the backslash
			return nil, p.fail("invalid escape")
		}
	}
	p.i = len(p.b)
	return nil, p.fail("unterminated string")
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
